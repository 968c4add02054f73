using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Ipvs;

public sealed class IpvsRoundTripTests
{
    private const int Seed = 20261125;
    private const int Iterations = 3000;
    private static readonly RequestHeader _header = new(KernelReplies.IpvsFamilyId, 1, NetlinkKernel.NLM_F_ACK);

    [Fact]
    public void ReadService_EchoOfRandomNewServiceRequests_EqualsInput()
    {
        var generator = new ModelGenerator(Seed);
        var kinds = new HashSet<(IpFamily, IpvsProtocol)>();
        for (int i = 0; i < Iterations; i++)
        {
            VirtualService service = generator.Service();
            IpvsStatistics statistics = generator.Statistics();
            byte[] request = Messages.Encode((ref NetlinkWriter w) =>
                IpvsMessages.WriteService(ref w, _header, IpvsKernel.IPVS_CMD_NEW_SERVICE, service));

            ServiceEntry entry = Messages.Decode(KernelEcho.ServiceReply(request, statistics), IpvsMessages.ReadService);

            Assert.True(entry.Service == service, $"seed {Seed}, iteration {i}: sent {service}, read {entry.Service}");
            Assert.True(entry.Status.Statistics == statistics, $"seed {Seed}, iteration {i}: statistics differ");
            kinds.Add((service.Key.Family, service.Key.Protocol));
        }

        Assert.Equal(8, kinds.Count); // both families x (fwmark, TCP, UDP, SCTP)
    }

    [Fact]
    public void ReadDestination_EchoOfRandomNewDestRequests_EqualsInput()
    {
        var generator = new ModelGenerator(Seed + 1);
        var kinds = new HashSet<(ForwardingMethod, TunnelType, bool)>();
        for (int i = 0; i < Iterations; i++)
        {
            VirtualServiceKey service = generator.Key();
            RealServer server = generator.Server(service.Family);
            var status = new RealServerStatus((uint)i, (uint)(i * 3), 7, generator.Statistics());
            byte[] request = Messages.Encode((ref NetlinkWriter w) =>
                IpvsMessages.WriteDestination(ref w, _header, IpvsKernel.IPVS_CMD_NEW_DEST, service, server));

            RealServerEntry entry = Messages.Decode(
                KernelEcho.DestinationReply(request, status), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, service.Family));

            Assert.True(entry.Server == server, $"seed {Seed + 1}, iteration {i}: sent {server}, read {entry.Server}");
            Assert.True(entry.Status == status, $"seed {Seed + 1}, iteration {i}: status differs");
            kinds.Add((server.Method, server.TunnelType, server.Address.Family != service.Family));
        }

        Assert.Equal(3 + (3 * 2), kinds.Count); // 3 plain methods, and 3 tunnel types x same/other family
    }
}
