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

    [Fact]
    public void ResolveOptional_NotConfigured_IsNullInsteadOfTheLocalSocket() =>
        Assert.Null(DockerEndpoint.ResolveOptional("  "));

    [Fact]
    public void ResolveOptional_ManagerUri_IsThatUri() =>
        Assert.Equal(new Uri("tcp://10.0.0.1:2375"), DockerEndpoint.ResolveOptional("tcp://10.0.0.1:2375"));

    [Fact]
    public void ResolveOptional_NotAUri_ThrowsNamingTheValue()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => DockerEndpoint.ResolveOptional("manager:2375"));
        Assert.Contains("manager:2375", error.Message, StringComparison.Ordinal);
    }
}
