using Docker.DotNet.Models;
using Ipvs.Docker.Source;

namespace Ipvs.Docker.Tests.Source;

/// <summary>The list-entry fingerprint that decides whether a container must be inspected again on a relist.</summary>
public sealed class DockerEngineApiFingerprintTests
{
    private static ContainerListResponse Entry(string status = "Up 3 seconds (healthy)", string state = "running", string address = "172.17.0.2") => new()
    {
        ID = "524661ff90af",
        Names = ["/web1"],
        State = state,
        Status = status,
        NetworkSettings = new NetworkSettingsSummary
        {
            Networks = new Dictionary<string, EndpointSettings> { ["bridge"] = new() { IPAddress = address } },
        },
        Ports = [new PortSummary { PrivatePort = 80, PublicPort = 8080, IP = "0.0.0.0", Type = "tcp" }],
    };

    [Fact]
    public void Fingerprint_OnlyTheUptimeChanged_Same() =>
        Assert.Equal(DockerEngineApi.Fingerprint(Entry("Up 3 seconds (healthy)")), DockerEngineApi.Fingerprint(Entry("Up 2 minutes (healthy)")));

    [Theory]
    [InlineData("Up 3 seconds (unhealthy)", "running", "172.17.0.2")]
    [InlineData("Up 3 seconds (health: starting)", "running", "172.17.0.2")]
    [InlineData("Up 3 seconds (Paused)", "paused", "172.17.0.2")]
    [InlineData("Up 3 seconds (healthy)", "running", "172.17.0.3")]
    public void Fingerprint_HealthStateOrAddressChanged_Differs(string status, string state, string address) =>
        Assert.NotEqual(DockerEngineApi.Fingerprint(Entry()), DockerEngineApi.Fingerprint(Entry(status, state, address)));

    [Fact]
    public void Fingerprint_PublishedPortChanged_Differs()
    {
        ContainerListResponse moved = Entry();
        moved.Ports = [new PortSummary { PrivatePort = 80, PublicPort = 8081, IP = "0.0.0.0", Type = "tcp" }];

        Assert.NotEqual(DockerEngineApi.Fingerprint(Entry()), DockerEngineApi.Fingerprint(moved));
    }
}
