using System.Collections;
using System.Net;
using Ipvs.Agent.Configuration;

namespace Ipvs.Agent.Tests.Configuration;

/// <summary>The dns* keys through the file, the environment and the flags.</summary>
public sealed class DnsConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-dns-config-").FullName;

    [Fact]
    public void Load_NothingGiven_DnsOffDefaultDomainAndTtlUpstreamsFromResolvConf()
    {
        AgentOptions options = AgentConfiguration.Load(null, new Hashtable { ["IPVS_AGENT_CONFIG"] = string.Empty }, []);

        Assert.Null(options.DnsAddress);
        Assert.Equal("ipvs.internal", options.DnsDomain);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DnsTtl);
        Assert.Null(options.DnsUpstreams);
    }

    [Fact]
    public void Load_FileEnvironmentAndFlags_EachKeyRead()
    {
        string path = Write("""
            dnsAddress: 10.99.0.1
            dnsDomain: Svc.Example.
            dnsTtl: 30s
            dnsUpstreams: [192.0.2.53, "[fd00::53]:5353"]
            """);

        AgentOptions fromFile = AgentConfiguration.Load(path, new Hashtable(), []);
        AgentOptions overridden = AgentConfiguration.Load(path, new Hashtable { ["IPVS_AGENT_DNS_TTL"] = "1s" },
            [new FlagValue(ConfigurationKeys.DnsAddress, "127.0.0.1:5353", "--dns-address"), new FlagValue(ConfigurationKeys.DnsUpstreams, "none", "--dns-upstream")]);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.99.0.1"), 53), fromFile.DnsAddress);
        Assert.Equal("svc.example", fromFile.DnsDomain);
        Assert.Equal(TimeSpan.FromSeconds(30), fromFile.DnsTtl);
        Assert.Equal(["192.0.2.53:53", "[fd00::53]:5353"], fromFile.DnsUpstreams!.Select(endpoint => endpoint.ToString()));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5353), overridden.DnsAddress);
        Assert.Equal(TimeSpan.FromSeconds(1), overridden.DnsTtl);
        Assert.Empty(overridden.DnsUpstreams!);
    }

    [Fact]
    public void Load_EmptyUpstreamList_AuthoritativeOnly()
    {
        AgentOptions options = AgentConfiguration.Load(Write("dnsUpstreams: []"), new Hashtable(), []);

        Assert.NotNull(options.DnsUpstreams);
        Assert.Empty(options.DnsUpstreams);
    }

    [Fact]
    public void Load_BadDnsValues_EachNamedWithItsOrigin()
    {
        string path = Write("""
            dnsAddress: localhost:53
            dnsDomain: "a..b"
            dnsUpstreams: [resolver.example]
            """);

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new Hashtable(), []));

        Assert.Equal(3, error.Problems.Count);
        Assert.Contains(error.Problems, problem => problem.Contains("dnsAddress", StringComparison.Ordinal) && problem.Contains("localhost:53", StringComparison.Ordinal));
        Assert.Contains(error.Problems, problem => problem.Contains("dnsDomain", StringComparison.Ordinal));
        Assert.Contains(error.Problems, problem => problem.Contains("dnsUpstreams", StringComparison.Ordinal) && problem.Contains("resolver.example", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("fd00::53", "[fd00::53]:53")]
    [InlineData("[fd00::53]:5300", "[fd00::53]:5300")]
    [InlineData("[fd00::53]", "[fd00::53]:53")]
    public void TryParse_DnsEndpoint_PortDefaultsTo53(string text, string expected) =>
        Assert.Equal(expected, DnsEndpointText.TryParse(text)?.ToString());

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string yaml)
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
