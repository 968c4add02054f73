using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Benchmarks.Support;

/// <summary>
/// Dump replies shaped as the kernel's <c>ip_vs_genl_fill_service</c> / <c>ip_vs_genl_fill_dest</c> lay them out: the
/// entry attributes a request carries, plus 64-bit statistics, so decoding them costs what decoding a real dump costs.
/// </summary>
internal static class KernelShapedReplies
{
    private static readonly RequestHeader _header = new(0x1c, 1, NetlinkKernel.NLM_F_ACK);

    private delegate void Encoder(ref NetlinkWriter writer);

    public static byte[] Service(VirtualService service, uint portId = 0) =>
        Reply(IpvsKernel.IPVS_CMD_ATTR_SERVICE, portId, (ref NetlinkWriter w) => IpvsMessages.WriteService(ref w, _header, IpvsKernel.IPVS_CMD_NEW_SERVICE, service));

    public static byte[] Destination(VirtualServiceKey service, RealServer server, uint portId = 0) =>
        Reply(IpvsKernel.IPVS_CMD_ATTR_DEST, portId, (ref NetlinkWriter w) => IpvsMessages.WriteDestination(ref w, _header, IpvsKernel.IPVS_CMD_NEW_DEST, service, server));

    private static byte[] Reply(ushort entryType, uint portId, Encoder encodeRequest)
    {
        byte[] request = new byte[IpvsMessages.MaxRequestSize];
        var requestWriter = new NetlinkWriter(request);
        encodeRequest(ref requestWriter);
        var messages = new NetlinkMessageReader(requestWriter.Written);
        messages.TryRead(out NetlinkMessage message);

        byte[] reply = new byte[1024];
        var writer = new NetlinkWriter(reply);
        int start = writer.BeginMessage(0x1c, NetlinkKernel.NLM_F_MULTI, 1, portId);
        writer.WriteGenericHeader(entryType == IpvsKernel.IPVS_CMD_ATTR_SERVICE ? IpvsKernel.IPVS_CMD_NEW_SERVICE : IpvsKernel.IPVS_CMD_NEW_DEST, 1);
        int nest = writer.BeginNested(entryType);
        AttributeReader top = message.GetAttributes(GenericNetlinkHeader.Size);
        while (top.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type != entryType)
            {
                continue;
            }

            AttributeReader inner = attribute.GetNested();
            while (inner.TryRead(out NetlinkAttribute item))
            {
                writer.WriteAttribute(item.RawType, item.Value);
            }
        }

        int stats = writer.BeginNested(IpvsKernel.IPVS_SVC_ATTR_STATS64);
        for (ushort counter = IpvsKernel.IPVS_STATS_ATTR_CONNS; counter <= IpvsKernel.IPVS_STATS_ATTR_OUTBPS; counter++)
        {
            writer.WriteU64(counter, 1000UL * counter);
        }

        writer.EndNested(stats);
        writer.EndNested(nest);
        writer.EndMessage(start);
        return writer.Written.ToArray();
    }
}
