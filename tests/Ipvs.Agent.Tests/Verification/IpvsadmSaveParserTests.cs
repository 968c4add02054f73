using Ipvs.Agent.Tests.Support;
using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Tests.Verification;

/// <summary>Fixtures captured from ipvsadm 1.31 on the lab's kernel 6.1 (Fixtures/capture.sh.txt made them).</summary>
public sealed class IpvsadmSaveParserTests
{
    private static readonly KernelTable Table = IpvsadmSaveParser.Parse(Fixture.Read("ipvsadm-Sn-all-options.txt"));

    private static KernelService Service(string key) => Table.Services[KeyText.ParseServiceKey(key)];

    private static RealServer Server(string service, string server) => Service(service).RealServers[KeyText.ParseRealServerKey(server)].Server;

    [Fact]
    public void Parse_AllOptionsFixture_ReadsEveryService()
    {
        string[] expected =
        [
            "TCP 10.99.0.10:80", "TCP 10.99.0.14:443", "TCP 10.99.0.15:8443", "UDP 10.99.0.11:53", "UDP 10.99.0.13:5060",
            "SCTP 10.99.0.12:3868", "TCP [fd00::10]:80", "FWM 7", "FWM 8 IPv6",
        ];

        Assert.Equal(expected.Order(StringComparer.Ordinal), Table.Services.Keys.Select(key => key.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(16, Table.Services.Values.Sum(service => service.RealServers.Count));
    }

    [Fact]
    public void Parse_PersistenceWithIpv4Netmask_ReadsTimeoutAndPrefix()
    {
        VirtualService web = Service("TCP 10.99.0.10:80").Service;

        Assert.Equal(("wrr", ServiceFlags.Persistent, 300u, (byte)24), (web.Scheduler, web.Flags, web.TimeoutSeconds, web.NetmaskPrefix));
    }

    [Fact]
    public void Parse_Ipv6PersistenceWithPrefix_ReadsPrefix()
    {
        VirtualService web = Service("TCP [fd00::10]:80").Service;

        Assert.Equal(("wlc", 120u, (byte)64), (web.Scheduler, web.TimeoutSeconds, web.NetmaskPrefix));
        Assert.Equal(new RealServer(NetAddress.Parse("fd00::2"), 8080, ForwardingMethod.Masquerade, 5), Server("TCP [fd00::10]:80", "[fd00::2]:8080"));
    }

    [Fact]
    public void Parse_OnePacketAndShFlags_ReadsFlags()
    {
        Assert.Equal(ServiceFlags.OnePacket | ServiceFlags.ShFallback | ServiceFlags.ShPort, Service("UDP 10.99.0.11:53").Service.Flags);
        Assert.Equal(ServiceFlags.ShFallback | ServiceFlags.ShPort, Service("TCP 10.99.0.14:443").Service.Flags);
    }

    [Fact]
    public void Parse_PersistenceEngine_ReadsSip()
    {
        Assert.Equal("sip", Service("UDP 10.99.0.13:5060").Service.PersistenceEngine);
    }

    [Fact]
    public void Parse_DefaultService_HasFullPrefixAndNoServers()
    {
        KernelService plain = Service("TCP 10.99.0.15:8443");

        Assert.Equal(VirtualService.Create(KeyText.ParseServiceKey("TCP 10.99.0.15:8443")), plain.Service);
        Assert.Empty(plain.RealServers);
    }

    [Fact]
    public void Parse_EveryForwardingMethod_ReadsMethodAndWeight()
    {
        Assert.Equal((ForwardingMethod.Masquerade, 3), Pick(Server("TCP 10.99.0.10:80", "10.1.1.2:8080")));
        Assert.Equal((ForwardingMethod.Route, 1), Pick(Server("TCP 10.99.0.10:80", "10.1.1.3:80")));
        Assert.Equal((ForwardingMethod.Tunnel, 0), Pick(Server("TCP 10.99.0.10:80", "10.1.1.4:80")));
        Assert.Equal((ForwardingMethod.Masquerade, 1), Pick(Server("SCTP 10.99.0.12:3868", "10.1.1.6:3868")));

        static (ForwardingMethod, int) Pick(RealServer server) => (server.Method, server.Weight);
    }

    [Theory]
    [InlineData("10.1.1.8:443", TunnelType.Gue, 6080, TunnelFlags.NoChecksum)]
    [InlineData("10.1.1.9:443", TunnelType.Gue, 6081, TunnelFlags.Checksum)]
    [InlineData("10.1.1.10:443", TunnelType.Gue, 6082, TunnelFlags.RemoteChecksum)]
    [InlineData("10.1.1.11:443", TunnelType.Gre, 0, TunnelFlags.Checksum)]
    [InlineData("10.1.1.12:443", TunnelType.IpIp, 0, TunnelFlags.NoChecksum)]
    public void Parse_TunnelOptions_ReadsTypePortAndChecksum(string server, TunnelType type, int port, TunnelFlags flags)
    {
        RealServer tunnel = Server("TCP 10.99.0.14:443", server);

        Assert.Equal((ForwardingMethod.Tunnel, type, (ushort)port, flags), (tunnel.Method, tunnel.TunnelType, tunnel.TunnelPort, tunnel.TunnelFlags));
    }

    [Fact]
    public void Parse_FirewallMarks_ReadsIpv4AndIpv6()
    {
        Assert.Equal(2, Service("FWM 7").RealServers.Count);
        Assert.Equal(0, Server("FWM 7", "10.1.1.20:0").Port);
        VirtualService v6 = Service("FWM 8 IPv6").Service;
        Assert.Equal((IpFamily.V6, "lc", 30u, (byte)128), (v6.Key.Family, v6.Scheduler, v6.TimeoutSeconds, v6.NetmaskPrefix));
        Assert.Equal(4, Server("FWM 8 IPv6", "[fd00::20]:0").Weight);
    }

    [Fact]
    public void Parse_EmptyTable_HasNoServices()
    {
        Assert.Empty(IpvsadmSaveParser.Parse(Fixture.Read("ipvsadm-Sn-empty.txt")).Services);
    }

    [Theory]
    [InlineData("-X -t 10.0.0.1:80", "ipvsadm -Sn line 1: expected -A or -a, got \"-X\": -X -t 10.0.0.1:80")]
    [InlineData("-A -t 10.0.0.1:80 -s rr --frob", "ipvsadm -Sn line 1: unknown service option \"--frob\": -A -t 10.0.0.1:80 -s rr --frob")]
    [InlineData("-a -t 10.0.0.1:80 -r 10.1.1.1:80 -m", "ipvsadm -Sn line 1: real server 10.1.1.1:80 for TCP 10.0.0.1:80, which has no -A line before it: -a -t 10.0.0.1:80 -r 10.1.1.1:80 -m")]
    [InlineData("-A -t 10.0.0.1:80 -p soon", "ipvsadm -Sn line 1: \"soon\" after -p is not a number: -A -t 10.0.0.1:80 -p soon")]
    public void Parse_BadLine_ThrowsNamingTheLine(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => IpvsadmSaveParser.Parse(text)).Message);
    }
}
