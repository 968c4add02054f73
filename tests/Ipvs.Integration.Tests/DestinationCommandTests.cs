using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Integration.Tests;

/// <summary>Every real-server command and forwarding method the kernel supports, cross-checked with ipvsadm.</summary>
public sealed class DestinationCommandTests : IClassFixture<NamespaceFixture>
{
    private static readonly VirtualServiceKey _tcp4 = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.10.0.1"), 80);
    private static readonly VirtualServiceKey _udp6 = VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("fd00::10"), 53);
    private static readonly VirtualServiceKey _mark = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 10);

    private readonly NamespaceFixture _lab;

    public DestinationCommandTests(NamespaceFixture lab)
    {
        _lab = lab;
        _lab.Reset();
        _lab.Client.AddService(VirtualService.Create(_tcp4, "wrr"));
        _lab.Client.AddService(VirtualService.Create(_udp6, "rr"));
        _lab.Client.AddService(VirtualService.Create(_mark, "sh"));
    }

    [Fact]
    public async Task AddDestination_EveryForwardingMethod_KernelOursAndIpvsadmAgree()
    {
        RealServer[] servers =
        [
            new(NetAddress.Parse("10.10.1.1"), 8080, ForwardingMethod.Masquerade, 5, UpperThreshold: 100, LowerThreshold: 50),
            new(NetAddress.Parse("10.10.1.2"), 80, ForwardingMethod.Route, 1),
            new(NetAddress.Parse("10.10.1.3"), 80, ForwardingMethod.Tunnel, 2),
            new(NetAddress.Parse("10.10.1.4"), 80, ForwardingMethod.Tunnel, 3, TunnelType: TunnelType.Gue, TunnelPort: 6080),
            new(NetAddress.Parse("10.10.1.5"), 80, ForwardingMethod.Tunnel, 4, TunnelType: TunnelType.Gue, TunnelPort: 6081, TunnelFlags: TunnelFlags.RemoteChecksum),
            new(NetAddress.Parse("10.10.1.6"), 80, ForwardingMethod.Tunnel, 5, TunnelType: TunnelType.Gre, TunnelFlags: TunnelFlags.Checksum),
            new(NetAddress.Parse("fd00::1:7"), 80, ForwardingMethod.Tunnel, 6),
            new(NetAddress.Parse("10.10.1.8"), 80, ForwardingMethod.Local, 7),
        ];

        foreach (RealServer server in servers)
        {
            _lab.Client.AddDestination(_tcp4, server);
        }

        await AssertEverywhere(_tcp4, servers);
    }

    [Fact]
    public async Task AddDestination_Ipv6AndFirewallMarkServices_KernelOursAndIpvsadmAgree()
    {
        RealServer v6 = new(NetAddress.Parse("fd00::2:1"), 5353, ForwardingMethod.Masquerade, 1);
        RealServer v6Route = new(NetAddress.Parse("fd00::2:2"), 53, ForwardingMethod.Route, 2);
        RealServer marked = new(NetAddress.Parse("10.10.2.1"), 0, ForwardingMethod.Route, 1);

        _lab.Client.AddDestination(_udp6, v6);
        _lab.Client.AddDestination(_udp6, v6Route);
        _lab.Client.AddDestination(_mark, marked);

        await AssertEverywhere(_udp6, v6, v6Route);
        await AssertEverywhere(_mark, marked);
    }

    [Fact]
    public async Task UpdateDestination_WeightThresholdsAndMethod_IsWhatIsReadBack()
    {
        RealServer server = new(NetAddress.Parse("10.10.3.1"), 80, ForwardingMethod.Masquerade, 1);
        _lab.Client.AddDestination(_tcp4, server);
        RealServer updated = server with { Weight = 0, UpperThreshold = 10, LowerThreshold = 2, Method = ForwardingMethod.Route };

        _lab.Client.UpdateDestination(_tcp4, updated);

        await AssertEverywhere(_tcp4, updated);
    }

    [Fact]
    public async Task DeleteDestination_Existing_IsGoneEverywhere()
    {
        RealServer kept = new(NetAddress.Parse("10.10.4.1"), 80, ForwardingMethod.Masquerade, 1);
        RealServer deleted = new(NetAddress.Parse("10.10.4.2"), 80, ForwardingMethod.Masquerade, 1);
        _lab.Client.AddDestination(_tcp4, kept);
        _lab.Client.AddDestination(_tcp4, deleted);

        _lab.Client.DeleteDestination(_tcp4, deleted.Key);

        await AssertEverywhere(_tcp4, kept);
    }

    [Fact]
    public void ListAll_ServicesWithServers_ReturnsEachServiceWithItsOwnServers()
    {
        _lab.Client.AddDestination(_tcp4, new RealServer(NetAddress.Parse("10.10.5.1"), 80, ForwardingMethod.Masquerade, 1));
        _lab.Client.AddDestination(_tcp4, new RealServer(NetAddress.Parse("10.10.5.2"), 80, ForwardingMethod.Masquerade, 1));
        _lab.Client.AddDestination(_udp6, new RealServer(NetAddress.Parse("fd00::5:1"), 53, ForwardingMethod.Masquerade, 1));

        var table = _lab.Client.ListAll().ToDictionary(snapshot => snapshot.Service.Service.Key, snapshot => snapshot.RealServers.Count);

        Assert.Equal(new Dictionary<VirtualServiceKey, int> { [_tcp4] = 2, [_udp6] = 1, [_mark] = 0 }, table);
    }

    private async Task AssertEverywhere(VirtualServiceKey service, params RealServer[] expected)
    {
        List<RealServerEntry> dumped = _lab.Client.ListDestinations(service);
        IpvsadmTable ipvsadm = await _lab.Namespace.SaveIpvsadmAsync();
        Assert.Equal(
            expected.Select(IpvsadmTable.AsIpvsadmShowsIt).OrderBy(server => server.Key.ToString(), StringComparer.Ordinal),
            ipvsadm.RealServersOf(service).OrderBy(server => server.Key.ToString(), StringComparer.Ordinal));
        Assert.Equal(
            expected.OrderBy(server => server.Key.ToString(), StringComparer.Ordinal),
            dumped.Select(entry => entry.Server).OrderBy(server => server.Key.ToString(), StringComparer.Ordinal));
    }
}
