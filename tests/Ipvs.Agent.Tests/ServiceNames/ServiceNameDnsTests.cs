using System.Net;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Metrics;
using Ipvs.Agent.ServiceNames;
using Ipvs.Dns.Wire;

namespace Ipvs.Agent.Tests.ServiceNames;

public sealed class ServiceNameDnsTests
{
    private const string ResolvConf = """
        # generated
        search lab.example
        nameserver 127.0.0.1
        nameserver 192.0.2.53
        nameserver fe80::1%eth0
        options edns0
        """;

    [Fact]
    public void Upstreams_Unset_ResolvConfWithoutTheAgentsOwnAddress()
    {
        var options = new AgentOptions { DnsAddress = new IPEndPoint(IPAddress.Loopback, 53) };

        Assert.Equal(["192.0.2.53:53", "[fe80::1]:53"], ServiceNameDns.Upstreams(options, ResolvConf).Select(endpoint => endpoint.ToString()));
    }

    [Fact]
    public void Upstreams_ListeningEverywhere_LoopbackResolversAreOurselves()
    {
        var options = new AgentOptions { DnsAddress = new IPEndPoint(IPAddress.Any, 53) };

        Assert.DoesNotContain(ServiceNameDns.Upstreams(options, ResolvConf), endpoint => IPAddress.IsLoopback(endpoint.Address));
    }

    [Fact]
    public void Upstreams_EmptyList_NoneEvenWithResolvConf()
    {
        var options = new AgentOptions { DnsAddress = new IPEndPoint(IPAddress.Loopback, 53), DnsUpstreams = [] };

        Assert.Empty(ServiceNameDns.Upstreams(options, ResolvConf));
    }

    [Fact]
    public void Render_DnsQueriesCounted_OneSamplePerResponseCode()
    {
        var metrics = new AgentMetrics();
        metrics.RecordDnsQuery(ServiceNameDns.ResponseCodeText(DnsResponseCode.NXDomain));
        metrics.RecordDnsQuery(ServiceNameDns.ResponseCodeText(DnsResponseCode.NoError));
        metrics.RecordDnsQuery(ServiceNameDns.ResponseCodeText(DnsResponseCode.NoError));

        string text = PrometheusText.Render(metrics);

        Assert.Contains("ipvs_agent_dns_queries_total{rcode=\"NOERROR\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_dns_queries_total{rcode=\"NXDOMAIN\"} 1\n", text, StringComparison.Ordinal);
    }
}
