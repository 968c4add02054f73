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
        { ["ipvs.web.vip=10.99.0.10:80", "ipvs.web.sheduler=rr"], $"{Web1}: label 'ipvs.web.sheduler=rr': unknown option 'sheduler'; known options are vip, fwmark, port, protocol, scheduler, weight, method, persistence, network, address" },
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
