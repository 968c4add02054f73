using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Ipvs;

public sealed class IpvsZeroAllocationTests
{
    [Fact]
    public void EncodeAndDecode_WarmedUpLoop_AllocatesNothing()
    {
        var service = new VirtualService(
            VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("fd00::10"), 443), "wrr", ServiceFlags.Persistent, 300, 64, "sip");
        var server = new RealServer(NetAddress.Parse("10.2.0.3"), 0, ForwardingMethod.Tunnel, 2, TunnelType: TunnelType.Gue, TunnelPort: 6080);
        byte[] serviceReply = KernelReplies.Service(service, new IpvsStatistics(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
        byte[] destinationReply = KernelReplies.Destination(server, new RealServerStatus(1, 2, 3, default));
        byte[] buffer = new byte[IpvsMessages.MaxRequestSize * 2];

        long checksum = RunLoop(service, server, serviceReply, destinationReply, buffer, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += RunLoop(service, server, serviceReply, destinationReply, buffer, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    private static long RunLoop(
        in VirtualService service, in RealServer server, byte[] serviceReply, byte[] destinationReply, byte[] buffer, int iterations)
    {
        long checksum = 0;
        var header = new RequestHeader(0x1c, 1, NetlinkKernel.NLM_F_ACK);
        for (int i = 0; i < iterations; i++)
        {
            var writer = new NetlinkWriter(buffer);
            IpvsMessages.WriteService(ref writer, header, IpvsKernel.IPVS_CMD_NEW_SERVICE, service);
            IpvsMessages.WriteDestination(ref writer, header, IpvsKernel.IPVS_CMD_NEW_DEST, service.Key, server);
            checksum += writer.Length;

            var services = new NetlinkMessageReader(serviceReply);
            services.TryRead(out NetlinkMessage serviceMessage);
            ServiceEntry serviceEntry = IpvsMessages.ReadService(serviceMessage);
            var destinations = new NetlinkMessageReader(destinationReply);
            destinations.TryRead(out NetlinkMessage destinationMessage);
            RealServerEntry serverEntry = IpvsMessages.ReadDestination(destinationMessage, IpFamily.V6);
            checksum += serviceEntry.Service.TimeoutSeconds + (uint)serverEntry.Server.Weight;
        }

        return checksum;
    }
}
