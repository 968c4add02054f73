namespace Ipvs.Docker.Tests;

public sealed class DockerEndpointTests
{
    [Fact]
    public void Resolve_NothingConfigured_UsesLocalSocket() =>
        Assert.Equal(new Uri(DockerEndpoint.DefaultUri), DockerEndpoint.Resolve(null, null));

    [Fact]
    public void Resolve_ConfigAndVariable_ConfigWins() =>
        Assert.Equal(new Uri("tcp://10.0.0.1:2375"), DockerEndpoint.Resolve("tcp://10.0.0.1:2375", "unix:///other.sock"));

    [Fact]
    public void Resolve_NotAUri_ThrowsNamingTheValue()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => DockerEndpoint.Resolve("docker.sock", null));
        Assert.Contains("docker.sock", error.Message, StringComparison.Ordinal);
    }
}
