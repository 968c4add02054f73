using Ipvs.Agent.Health;
using Ipvs.Core.Health;
using Ipvs.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using static Ipvs.Agent.Tests.Health.HealthStateFileTests;

namespace Ipvs.Agent.Tests.Health;

public sealed class HealthStateWriterTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-health-writer-").FullName;
    private readonly FakeTimeProvider _time = new(Start);
    private readonly TestLog _log = new();
    private List<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> _targets = [];
    private int _snapshots;

    private string FilePath => HealthStateFile.PathIn(_directory);

    private HealthStateWriter Writer(string? path = null) => new(path ?? FilePath, () =>
    {
        _snapshots++;
        return _targets;
    }, _time, _log.Logger);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SaveIfChanged_AtStart_SavesOnceEvenWithNothingChecked()
    {
        HealthStateWriter writer = Writer();

        writer.SaveIfChanged();
        writer.SaveIfChanged();

        Assert.Equal(1, _snapshots);
        Assert.Empty(HealthStateFile.Load(FilePath)!.Targets);
    }

    [Fact]
    public void SaveIfChanged_AfterMarkChanged_SavesTheNewSnapshot()
    {
        HealthStateWriter writer = Writer();
        writer.SaveIfChanged();
        _targets = [Down(Web, Start)];

        writer.MarkChanged();
        writer.SaveIfChanged();

        Assert.False(HealthStateFile.Load(FilePath)!.Targets[Web].Health.Up);
    }

    [Fact]
    public async Task RunAsync_ManyChangesInOneSecond_SavesOnceAndOnceMoreOnStop()
    {
        HealthStateWriter writer = Writer();
        using var stop = new CancellationTokenSource();
        Task running = writer.RunAsync(stop.Token);
        _targets = [Down(Web, Start)];
        for (int i = 0; i < 100; i++)
        {
            writer.MarkChanged();
        }

        _time.Advance(HealthStateWriter.MinimumGap);
        await WaitUntil(() => _snapshots == 1);
        _time.Advance(HealthStateWriter.MinimumGap);
        await stop.CancelAsync();
        await running;

        Assert.Equal(2, _snapshots);
        Assert.Equal(Start + HealthStateWriter.MinimumGap * 2, HealthStateFile.Load(FilePath)!.WrittenAt);
    }

    [Fact]
    public void Save_DirectoryIsAFile_LogsOneWarningAndTriesAgainLater()
    {
        string notADirectory = Path.Combine(_directory, "file");
        File.WriteAllText(notADirectory, string.Empty);
        HealthStateWriter writer = Writer(Path.Combine(notADirectory, "health.json"));

        writer.SaveIfChanged();
        writer.SaveIfChanged();

        Assert.Equal(2, _snapshots);
        Assert.Single(_log.Events, entry => entry.Level == LogEventLevel.Warning && entry.Message.Contains("Health state not saved", StringComparison.Ordinal));
        _snapshots = 0;
        writer.SaveIfChanged();
        Assert.Equal(1, _snapshots);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
