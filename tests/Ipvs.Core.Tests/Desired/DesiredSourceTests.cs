using Ipvs.Core.Desired;

namespace Ipvs.Core.Tests.Desired;

public sealed class DesiredSourceTests
{
    private const string FullId = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

    [Fact]
    public void ToShortString_ContainerWithFullId_ShowsTheTwelveCharactersDockerPsShows()
    {
        DesiredSource source = DesiredSource.Container(FullId, "web1");

        Assert.Equal("container 3f4e5a6b7c8d (web1)", source.ToShortString());
        Assert.Equal($"container {FullId} (web1)", source.ToString());
    }

    [Theory]
    [InlineData(DesiredSourceKind.SwarmService, "swarm service 3f4e5a6b7c8d")]
    [InlineData(DesiredSourceKind.SwarmTask, "swarm task 3f4e5a6b7c8d")]
    public void ToShortString_SwarmIds_ShortenedLikeContainers(DesiredSourceKind kind, string expected)
    {
        Assert.Equal(expected, new DesiredSource(kind, FullId).ToShortString());
    }

    [Fact]
    public void ToShortString_StaticFilePath_KeptWhole()
    {
        DesiredSource source = DesiredSource.StaticFile("/etc/ipvs-agent/services.yaml", "web");

        Assert.Equal("static file /etc/ipvs-agent/services.yaml (web)", source.ToShortString());
    }

    [Fact]
    public void ToShortString_IdAlreadyShort_Unchanged()
    {
        Assert.Equal("container abc123", DesiredSource.Container("abc123").ToShortString());
    }
}
