using Ipvs.Agent.Health;
using static Ipvs.Agent.Tests.Health.HealthStateFileTests;

namespace Ipvs.Agent.Tests.Health;

public sealed class HealthStateReaderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-health-reader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_NoFile_KnowsNothingAndSaysNothing()
    {
        HealthStateReader reader = HealthStateReader.Open(_directory, out string? problem);

        Assert.Null(problem);
        Assert.Null(reader.State);
        Assert.Null(reader.HealthOf(Web));
    }

    [Fact]
    public void HealthOf_SavedTarget_IsItsSavedHealth()
    {
        HealthStateFile.Save(HealthStateFile.PathIn(_directory), [Down(Web, Now)], Now);

        HealthStateReader reader = HealthStateReader.Open(_directory, out string? problem);

        Assert.Null(problem);
        Assert.Equal(Down(Web, Now).Item3, reader.HealthOf(Web));
        Assert.Null(reader.HealthOf(WebV6));
    }

    [Fact]
    public void Open_BadFile_NamesItAndKnowsNothing()
    {
        File.WriteAllText(HealthStateFile.PathIn(_directory), "[]");

        HealthStateReader reader = HealthStateReader.Open(_directory, out string? problem);

        Assert.Null(reader.HealthOf(Web));
        Assert.NotNull(problem);
        Assert.Contains(HealthStateFile.PathIn(_directory), problem, StringComparison.Ordinal);
        Assert.Contains("start state", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Track_AnyState_ChangesNothing()
    {
        HealthStateFile.Save(HealthStateFile.PathIn(_directory), [Down(Web, Now)], Now);
        HealthStateReader reader = HealthStateReader.Open(_directory, out _);

        reader.Track(new Core.Desired.DesiredState(1, new Dictionary<Core.Model.VirtualServiceKey, Core.Desired.DesiredService>()));

        Assert.False(reader.HealthOf(Web)!.Up);
    }
}
