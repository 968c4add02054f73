using System.Diagnostics;
using System.Text;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>
/// The daemon's service-name DNS responder in the lab kernel, asked with <c>dig</c> (bind9-dnsutils) inside a network
/// namespace, with Debian's dnsmasq as a real upstream for names outside the zone.
/// </summary>
public sealed class ServiceNameLabTests : IDisposable
{
    private static readonly TimeSpan AgentReady = TimeSpan.FromSeconds(60);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-dns-");

    [Fact]
    public async Task Run_DnsOn_DigGetsEveryAnswerKindAndNamesFollowTheServices()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("dns");
        string services = _scratch.Write("services.yaml", ServicesYaml(includeDns: true, includeLate: false));
        using Process upstream = LabDnsmasq.Start(lab.Name);
        await using AgentProcess agent = AgentProcess.Start(lab.Name, [.. Flags(services), "--dns-upstream", LabDnsmasq.Address]);
        await agent.EventuallyAsync(async () => (await DigAsync(lab, "+short", "web.ipvs.internal", "A")).Trim() == "10.99.0.10", AgentReady, "web.ipvs.internal answered");

        string a = await DigAsync(lab, "web.ipvs.internal", "A");
        string aaaa = await DigAsync(lab, "web.ipvs.internal", "AAAA");
        string srv = await DigAsync(lab, "_web._tcp.ipvs.internal", "SRV");
        string unknown = await DigAsync(lab, "nope.ipvs.internal", "A");
        string nodata = await DigAsync(lab, "dns.ipvs.internal", "AAAA");
        string mixed = await DigAsync(lab, "WeB.IpVs.InTeRnAl", "A");
        string forwarded = await DigAsync(lab, "host.upstream.lab", "A");
        string large = await DigAsync(lab, "_big._tcp.ipvs.internal", "SRV");
        string largeTcp = await DigAsync(lab, "+tcp", "_big._tcp.ipvs.internal", "SRV");
        TestContext.Current.SendDiagnosticMessage($"dig A:\n{a}\ndig SRV:\n{srv}\ndig NXDOMAIN:\n{unknown}\ndig large (UDP, then TCP):\n{Head(large, 12)}");

        Assert.Contains("status: NOERROR", a, StringComparison.Ordinal);
        Assert.Contains("flags: qr aa rd ra", a, StringComparison.Ordinal);
        Assert.Contains("EDNS: version: 0, flags:; udp: 1232", a, StringComparison.Ordinal);
        Assert.Matches(@"web\.ipvs\.internal\.\s+5\s+IN\s+A\s+10\.99\.0\.10", a);
        Assert.Matches(@"web\.ipvs\.internal\.\s+5\s+IN\s+AAAA\s+fd00:99::10", aaaa);
        Assert.Matches(@"_web\._tcp\.ipvs\.internal\.\s+5\s+IN\s+SRV\s+0 1 80 web\.ipvs\.internal\.", srv);
        Assert.Matches(@"_web\._tcp\.ipvs\.internal\.\s+5\s+IN\s+SRV\s+0 1 443 web\.ipvs\.internal\.", srv);
        Assert.Matches(@"ADDITIONAL SECTION:\s+web\.ipvs\.internal\.\s+5\s+IN\s+A\s+10\.99\.0\.10\s+web\.ipvs\.internal\.\s+5\s+IN\s+AAAA\s+fd00:99::10", srv);
        Assert.Contains("status: NXDOMAIN", unknown, StringComparison.Ordinal);
        Assert.Matches(@"AUTHORITY SECTION:\s+ipvs\.internal\.\s+5\s+IN\s+SOA\s+ipvs\.internal\. hostmaster\.ipvs\.internal\. \d+ 3600 600 86400 5", unknown);
        Assert.Contains("status: NOERROR", nodata, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", nodata, StringComparison.Ordinal);
        Assert.Contains(";WeB.IpVs.InTeRnAl.", mixed, StringComparison.Ordinal);
        Assert.Matches(@"WeB\.IpVs\.InTeRnAl\.\s+5\s+IN\s+A\s+10\.99\.0\.10", mixed);
        Assert.Matches(@"host\.upstream\.lab\.\s+\d+\s+IN\s+A\s+192\.0\.2\.7", forwarded);
        Assert.Contains("Truncated, retrying in TCP mode", large, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 80,", large, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 80,", largeTcp, StringComparison.Ordinal);

        string status = await lab.RunAsync(AgentProcess.Executable, "status", "--services", services, "--no-docker", "--state-dir", _scratch.StateDir);
        Assert.Matches(@"TCP\s+10\.99\.0\.10:80 .* name web", status);
        string metrics = await lab.RunAsync("curl", "-sf", "http://127.0.0.1:9469/metrics");
        Assert.Matches("ipvs_agent_dns_queries_total\\{rcode=\"NXDOMAIN\"\\} [1-9]", metrics);

        // A service removed and one added: the next pass's names, without a restart.
        File.WriteAllText(services, ServicesYaml(includeDns: false, includeLate: true));
        await agent.EventuallyAsync(async () => (await DigAsync(lab, "+short", "late.ipvs.internal", "A")).Trim() == "10.99.0.30", AgentReady, "late.ipvs.internal answered");
        await agent.EventuallyAsync(async () => (await DigAsync(lab, "dns.ipvs.internal", "A")).Contains("status: NXDOMAIN", StringComparison.Ordinal), AgentReady, "dns.ipvs.internal gone");
        upstream.Kill();
    }

    [Fact]
    public async Task Run_DnsWithoutUpstreams_OutOfZoneRefusedZoneAnswered()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("dns-auth");
        string services = _scratch.Write("services.yaml", ServicesYaml(includeDns: true, includeLate: false));
        await using AgentProcess agent = AgentProcess.Start(lab.Name, [.. Flags(services), "--dns-upstream", "none"]);
        await agent.EventuallyAsync(async () => (await DigAsync(lab, "+short", "web.ipvs.internal", "A")).Trim() == "10.99.0.10", AgentReady, "web.ipvs.internal answered");

        string refused = await DigAsync(lab, "host.upstream.lab", "A");

        Assert.Contains("status: REFUSED", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(" ra", refused.Split('\n').First(line => line.Contains("flags:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Dispose();

    private string[] Flags(string services) =>
    [
        "--services", services, "--no-docker", "--resync-interval", "1s", "--state-dir", _scratch.StateDir,
        "--allowed-vip-cidr", "10.99.0.0/24", "--allowed-vip-cidr", "fd00:99::/64", "--dns-address", "127.0.0.1:53",
    ];

    /// <summary>web on two ports and both families, dns (UDP, IPv4 only), big on 80 ports (an SRV answer of ~3 KB), and late.</summary>
    private static string ServicesYaml(bool includeDns, bool includeLate)
    {
        var yaml = new StringBuilder("""
            services:
              - { name: web, vip: 10.99.0.10, port: 80 }
              - { name: web, vip: 10.99.0.10, port: 443 }
              - { name: web, vip: "fd00:99::10", port: 80 }

            """);
        if (includeDns)
        {
            yaml.AppendLine("  - { name: dns, vip: 10.99.0.53, port: 53, protocol: udp }");
        }

        if (includeLate)
        {
            yaml.AppendLine("  - { name: late, vip: 10.99.0.30, port: 80 }");
        }

        for (int port = 8000; port < 8080; port++)
        {
            yaml.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ name: big, vip: 10.99.0.20, port: {port} }}");
        }

        return yaml.ToString();
    }

    /// <summary><c>dig @127.0.0.1</c> in the namespace; an empty string when dig reached nobody (the agent not listening yet).</summary>
    private static async Task<string> DigAsync(LabNamespace lab, params string[] query)
    {
        try
        {
            return await lab.RunAsync("dig", ["@127.0.0.1", "+time=3", "+tries=1", .. query]);
        }
        catch (InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private static string Head(string text, int lines) => string.Join('\n', text.Split('\n').Take(lines));
}
