using Ipvs.Agent.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class FileChangePollerTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-poll-").FullName;
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

    public void Dispose()
    {
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunAsync_FileRewritten_ReportsOneChange()
    {
        string path = Path.Combine(_directory, "drains");
        await File.WriteAllTextAsync(path, "a", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 12, 4, 11, 0, 0, DateTimeKind.Utc));
        var poller = new FileChangePoller(path, Interval, _time);

        int changes = await CountChangesAsync(poller, () =>
        {
            File.WriteAllText(path, "ab");
            File.SetLastWriteTimeUtc(path, new DateTime(2026, 12, 4, 11, 0, 5, DateTimeKind.Utc));
        });

        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task RunAsync_FileAppears_ReportsOneChange()
    {
        string path = Path.Combine(_directory, "services.yaml");
        var poller = new FileChangePoller(path, Interval, _time);

        int changes = await CountChangesAsync(poller, () => File.WriteAllText(path, "services: []"));

        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task RunAsync_ChangeMarkedSeenBeforeTheNextLook_ReportsNothing()
    {
        string path = Path.Combine(_directory, "services.yaml");
        var poller = new FileChangePoller(path, Interval, _time);
        int changes = 0;
        Task run = poller.RunAsync(() => Interlocked.Increment(ref changes), _stop.Token);

        await File.WriteAllTextAsync(path, "services: []", TestContext.Current.CancellationToken);
        poller.MarkSeen();
        await LookSeveralTimesAsync();
        await _stop.CancelAsync();
        await run;

        Assert.Equal(0, changes);
    }

    /// <summary>Lets the poller look a few times, makes the change, waits until it is reported, then looks a few more times.</summary>
    private async Task<int> CountChangesAsync(FileChangePoller poller, Action change)
    {
        int changes = 0;
        Task run = poller.RunAsync(() => Interlocked.Increment(ref changes), _stop.Token);
        await LookSeveralTimesAsync();
        Assert.Equal(0, Volatile.Read(ref changes));

        change();
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref changes) == 0 && DateTime.UtcNow < giveUp)
        {
            _time.Advance(Interval);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await LookSeveralTimesAsync();
        await _stop.CancelAsync();
        await run;
        return changes;
    }

    private async Task LookSeveralTimesAsync()
    {
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(Interval);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
