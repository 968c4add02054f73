using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Netlink;
using Serilog;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class UdpFlowCleanupTests : IDisposable
{
    private readonly string _procSys = Directory.CreateTempSubdirectory("ipvs-agent-conntrack-").FullName;
    private int _opened;

    private UdpFlowCleanup Cleanup() => new(() =>
    {
        _opened++;
        throw new NetlinkException("no ctnetlink in a unit test");
    }, new LoggerConfiguration().CreateLogger(), _procSys);

    private void ConntrackCount(int count)
    {
        Directory.CreateDirectory(Path.Combine(_procSys, "net", "netfilter"));
        File.WriteAllText(Path.Combine(_procSys, "net", "netfilter", "nf_conntrack_count"), $"{count}\n");
    }

    private static IpvsOperation Operation(IpvsOperationKind kind, IpvsProtocol protocol, int weight = 1) => new(
        kind,
        VirtualService.Create(VirtualServiceKey.ForAddress(protocol, NetAddress.Parse("10.99.0.10"), 53), "rr"),
        new RealServer(NetAddress.Parse("10.1.1.2"), 5300, ForwardingMethod.Masquerade, weight),
        null,
        "test");

    [Fact]
    public void ServersDeleted_UdpServerWithConntrackEntries_OpensCtnetlink()
    {
        ConntrackCount(3);
        using UdpFlowCleanup cleanup = Cleanup();

        cleanup.ServersDeleted([Operation(IpvsOperationKind.DeleteServer, IpvsProtocol.Udp)]);

        Assert.Equal(1, _opened);
    }

    [Fact]
    public void ServersDeleted_WeightZeroOrTcp_CutsNothing()
    {
        ConntrackCount(3);
        using UdpFlowCleanup cleanup = Cleanup();

        cleanup.ServersDeleted([Operation(IpvsOperationKind.UpdateServer, IpvsProtocol.Udp, weight: 0), Operation(IpvsOperationKind.DeleteServer, IpvsProtocol.Tcp)]);

        Assert.Equal(0, _opened);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ServersDeleted_ConntrackNotLoadedOrEmpty_DoesNotOpenCtnetlink(bool loadedButEmpty)
    {
        if (loadedButEmpty)
        {
            ConntrackCount(0);
        }

        using UdpFlowCleanup cleanup = Cleanup();

        cleanup.ServersDeleted([Operation(IpvsOperationKind.DeleteServer, IpvsProtocol.Udp)]);

        Assert.Equal(0, _opened);
    }

    public void Dispose() => Directory.Delete(_procSys, recursive: true);
}
