using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Docker.Labels;

namespace Ipvs.Docker.Tests.Labels;

public sealed class ContainerLabelParserTests
{
    private const string Web1 = "container 'web1' (3f4e5a6b7c8d)";

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(pair => pair.Split('=', 2)).ToDictionary(parts => parts[0], parts => parts[1]);

    [Fact]
    public void Parse_VipOnly_AppliesDefaults()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.web.vip=10.99.0.10:80", "com.example.other=x"));

        Assert.Empty(result.Errors);
        ServiceLabels web = Assert.Single(result.Services);
        Assert.Equal(
            new ServiceLabels("web", NetAddress.Parse("10.99.0.10"), 80, 0, 80, IpvsProtocol.Tcp, "rr", 1, ForwardingMethod.Masquerade, 0, null, AddressMode.Container),
            web);
    }

    [Fact]
    public void Parse_EveryOption_ReadsThemAll()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels(
            "ipvs.dns.vip=[fd00::10]:53", "ipvs.dns.port=5353", "ipvs.dns.protocol=udp", "ipvs.dns.scheduler=sh",
            "ipvs.dns.weight=0", "ipvs.dns.method=nat", "ipvs.dns.persistence=300", "ipvs.dns.network=back", "ipvs.dns.address=published"));

        Assert.Empty(result.Errors);
        Assert.Equal(
            new ServiceLabels("dns", NetAddress.Parse("fd00::10"), 53, 0, 5353, IpvsProtocol.Udp, "sh", 0, ForwardingMethod.Masquerade, 300, "back", AddressMode.Published),
            Assert.Single(result.Services));
    }

    [Fact]
    public void Parse_PersistenceZero_IsOffAsInTheServicesFile()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.web.vip=10.99.0.10:80", "ipvs.web.persistence=0"));

        Assert.Empty(result.Errors);
        Assert.Equal(0u, Assert.Single(result.Services).PersistenceSeconds);
    }

    [Fact]
    public void Parse_FirewallMark_HasNoVipAndKeepsClientPort()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.mail.fwmark=7", "ipvs.mail.method=dr"));

        ServiceLabels mail = Assert.Single(result.Services);
        Assert.True(mail.IsFirewallMark);
        Assert.Equal((7u, (ushort)0, ForwardingMethod.Route), (mail.FirewallMark, mail.TargetPort, mail.Method));
        Assert.Equal(VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7), mail.KeyFor(IpFamily.V6));
    }

    [Fact]
    public void Parse_SeveralServices_OneBad_KeepsTheGoodOne()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels(
            "ipvs.web.vip=10.99.0.10:80", "ipvs.admin.vip=10.99.0.11:8080", "ipvs.admin.weight=heavy"));

        Assert.Equal("web", Assert.Single(result.Services).Name);
        Assert.Equal("ipvs.admin.weight", Assert.Single(result.Errors).Label);
    }

    [Theory]
    [InlineData("tcp", HealthCheckKind.Tcp, "/")]
    [InlineData("http", HealthCheckKind.Http, "/")]
    [InlineData("http:/healthz", HealthCheckKind.Http, "/healthz")]
    [InlineData("https:/status?full=1", HealthCheckKind.Https, "/status?full=1")]
    public void Parse_CheckShorthand_ThatCheckWithDefaults(string shorthand, HealthCheckKind kind, string path)
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.web.vip=10.99.0.10:80", $"ipvs.web.check={shorthand}"));

        Assert.Empty(result.Errors);
        Assert.Equal(HealthCheck.Of(kind) with { Path = path }, Assert.Single(result.Services).Check);
    }

    [Fact]
    public void Parse_CheckOff_NoCheck()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=off"));

        Assert.Empty(result.Errors);
        Assert.Null(Assert.Single(result.Services).Check);
    }

    [Fact]
    public void Parse_EveryCheckOption_ReadsThemAll()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels(
            "ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=https:/ignored", "ipvs.web.check-path=/healthz", "ipvs.web.check-port=8443",
            "ipvs.web.check-status=200-299", "ipvs.web.check-host=web.example", "ipvs.web.check-interval=10s", "ipvs.web.check-timeout=1500ms",
            "ipvs.web.check-rise=3", "ipvs.web.check-fall=4", "ipvs.web.check-start=down", "ipvs.web.check-on-failure=remove",
            "ipvs.web.check-verify-certificate=true"));

        Assert.Empty(result.Errors);
        Assert.Equal(
            new HealthCheck(HealthCheckKind.Https, 8443, "/healthz", 200, 299, "web.example", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1500), 3, 4, StartsUp: false, HealthFailureAction.Remove, VerifyCertificate: true),
            Assert.Single(result.Services).Check);
    }

    [Fact]
    public void Parse_CheckOptions_OneLabelForEveryOptionButTheKind()
    {
        Assert.Equal(HealthCheckParser.Options.Skip(1).Select(option => "check-" + option), ContainerLabelParser.CheckOptions);
        Assert.Equal(HealthCheckParser.KindOption, HealthCheckParser.Options[0]);
    }

    [Fact]
    public void Parse_FirewallMarkWithPortAndCheck_ChecksThatPort()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("ipvs.mail.fwmark=7", "ipvs.mail.check=tcp", "ipvs.mail.check-port=25"));

        Assert.Empty(result.Errors);
        Assert.Equal((ushort)25, Assert.Single(result.Services).Check!.Port);
    }

    [Fact]
    public void Parse_BadCheckOnOneService_KeepsTheOtherAndReportsEveryBadCheckLabel()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels(
            "ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=http",
            "ipvs.admin.vip=10.99.0.11:8080", "ipvs.admin.check=http", "ipvs.admin.check-fall=many", "ipvs.admin.check-start=later"));

        ServiceLabels web = Assert.Single(result.Services);
        Assert.Equal(("web", HealthCheck.Of(HealthCheckKind.Http)), (web.Name, web.Check));
        Assert.Equal(["ipvs.admin.check-fall", "ipvs.admin.check-start"], result.Errors.Select(error => error.Label));
    }

    [Fact]
    public void Parse_NoIpvsLabels_ReturnsNothing()
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels("maintainer=me"));

        Assert.Empty(result.Services);
        Assert.Empty(result.Errors);
    }

    public static TheoryData<string[], string> BadLabelSets => new()
    {
        { ["ipvs.web.vip=10.99.0.10"], $"{Web1}: label 'ipvs.web.vip=10.99.0.10': expected ADDRESS:PORT such as 10.99.0.10:80 or [fd00::10]:80" },
        { ["ipvs.web.vip=fd00::10:80"], $"{Web1}: label 'ipvs.web.vip=fd00::10:80': expected ADDRESS:PORT such as 10.99.0.10:80 or [fd00::10]:80" },
        { ["ipvs.web.vip=web.example:80"], $"{Web1}: label 'ipvs.web.vip=web.example:80': expected ADDRESS:PORT such as 10.99.0.10:80 or [fd00::10]:80" },
        { ["ipvs.web.vip=10.99.0.10:0"], $"{Web1}: label 'ipvs.web.vip=10.99.0.10:0': expected ADDRESS:PORT such as 10.99.0.10:80 or [fd00::10]:80" },
        { ["ipvs.web.fwmark=0"], $"{Web1}: label 'ipvs.web.fwmark=0': expected a firewall mark from 1 to 4294967295" },
        { ["ipvs.web.port=8080"], $"{Web1}: service 'web' needs label 'ipvs.web.vip' or 'ipvs.web.fwmark'" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.fwmark=7"], $"{Web1}: service 'web' has both 'ipvs.web.vip' and 'ipvs.web.fwmark'; give one of them" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.port=70000"], $"{Web1}: label 'ipvs.web.port=70000': expected a port from 1 to 65535" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.protocol=icmp"], $"{Web1}: label 'ipvs.web.protocol=icmp': expected tcp, udp or sctp" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.scheduler=fastest"], $"{Web1}: label 'ipvs.web.scheduler=fastest': unknown scheduler; expected one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.weight=-1"], $"{Web1}: label 'ipvs.web.weight=-1': expected a weight from 0 to 2147483647" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.method=masq"], $"{Web1}: label 'ipvs.web.method=masq': expected nat, dr, tun or local" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.persistence=soon"], $"{Web1}: label 'ipvs.web.persistence=soon': expected a persistence timeout in seconds (0 = off)" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.network= "], $"{Web1}: label 'ipvs.web.network= ': expected a network name" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.address=host"], $"{Web1}: label 'ipvs.web.address=host': expected container or published" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.sheduler=rr"], $"{Web1}: label 'ipvs.web.sheduler=rr': unknown option 'sheduler'; known options are vip, fwmark, port, protocol, scheduler, weight, method, persistence, network, address, check, check-path, check-port, check-status, check-host, check-interval, check-timeout, check-rise, check-fall, check-start, check-on-failure, check-verify-certificate" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check-type=tcp"], $"{Web1}: label 'ipvs.web.check-type=tcp': unknown option 'check-type'; known options are vip, fwmark, port, protocol, scheduler, weight, method, persistence, network, address, check, check-path, check-port, check-status, check-host, check-interval, check-timeout, check-rise, check-fall, check-start, check-on-failure, check-verify-certificate" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=ping"], $"{Web1}: label 'ipvs.web.check=ping': expected tcp, http, https (http and https may add :/PATH), or off" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=tcp:/healthz"], $"{Web1}: label 'ipvs.web.check=tcp:/healthz': a tcp check takes no path" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check-interval=10s"], $"{Web1}: label 'ipvs.web.check-interval=10s': needs label 'ipvs.web.check' (tcp, http, https, http:/PATH or https:/PATH) to say what to check" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=off", "ipvs.web.check-path=/x"], $"{Web1}: label 'ipvs.web.check-path=/x': does nothing while 'ipvs.web.check' is off" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=http", "ipvs.web.check-rise=0"], $"{Web1}: label 'ipvs.web.check-rise=0': expected a count from 1 to 100" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=http", "ipvs.web.check-interval=soon"], $"{Web1}: label 'ipvs.web.check-interval=soon': expected a duration from 100ms to 1h, such as 2s" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=https", "ipvs.web.check-on-failure=drop"], $"{Web1}: label 'ipvs.web.check-on-failure=drop': expected weight0 or remove" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=tcp", "ipvs.web.check-path=/healthz"], $"{Web1}: service 'web': label 'ipvs.web.check=tcp' and its check-* labels: path, status, host and verify-certificate belong to http and https checks, not to a tcp check" },
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.check=tcp", "ipvs.web.check-timeout=10s"], $"{Web1}: service 'web': label 'ipvs.web.check=tcp' and its check-* labels: the check timeout 10s is longer than its interval 5s" },
        { ["ipvs.mail.fwmark=7", "ipvs.mail.check=tcp"], $"{Web1}: service 'mail' is a firewall-mark service without label 'ipvs.mail.port', so its check needs label 'ipvs.mail.check-port'" },
        { ["ipvs.vip=10.99.0.10:80"], $"{Web1}: label 'ipvs.vip=10.99.0.10:80': expected ipvs.<svc>.<option> where <svc> is letters, digits, '-' or '_'" },
        { ["ipvs.my.web.vip=10.99.0.10:80"], $"{Web1}: label 'ipvs.my.web.vip=10.99.0.10:80': expected ipvs.<svc>.<option> where <svc> is letters, digits, '-' or '_'" },
        { ["ipvs.mail.fwmark=7", "ipvs.mail.address=published"], $"{Web1}: service 'mail' publishes a firewall-mark service and needs label 'ipvs.mail.port' to find the published port" },
    };

    [Theory]
    [MemberData(nameof(BadLabelSets))]
    public void Parse_BadLabels_ReportsContainerAndLabelAndDropsTheService(string[] labels, string expected)
    {
        LabelParseResult result = ContainerLabelParser.Parse(Web1, Labels(labels));

        Assert.Empty(result.Services);
        Assert.Equal(expected, Assert.Single(result.Errors).Message);
    }
}
