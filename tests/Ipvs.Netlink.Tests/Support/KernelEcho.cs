using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Support;

/// <summary>
/// Plays the kernel for round trips: takes an encoded NEW_SERVICE / NEW_DEST request and answers with the reply a dump
/// would give for the entry it created, i.e. the request's own attributes plus the counters the kernel adds.
/// </summary>
internal static class KernelEcho
{
    public static byte[] ServiceReply(byte[] request, IpvsStatistics statistics)
    {
        List<(ushort Type, byte[] Value)> attributes = NestedAttributes(request, IpvsKernel.IPVS_CMD_ATTR_SERVICE);
        return KernelReplies.Build(KernelReplies.IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_SERVICE, 1, (ref NetlinkWriter w) =>
        {
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
            foreach ((ushort type, byte[] value) in attributes)
            {
                w.WriteAttribute(type, value);
            }

            KernelReplies.WriteStatistics(ref w, IpvsKernel.IPVS_SVC_ATTR_STATS, IpvsKernel.IPVS_SVC_ATTR_STATS64, statistics, legacy: true, wide: true);
            w.EndNested(nest);
        });
    }

    public static byte[] DestinationReply(byte[] request, RealServerStatus status)
    {
        List<(ushort Type, byte[] Value)> attributes = NestedAttributes(request, IpvsKernel.IPVS_CMD_ATTR_DEST);
        return KernelReplies.Build(KernelReplies.IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_DEST, 1, (ref NetlinkWriter w) =>
        {
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DEST);
            foreach ((ushort type, byte[] value) in attributes)
            {
                w.WriteAttribute(type, value);
            }

            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_ACTIVE_CONNS, status.ActiveConnections);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_INACT_CONNS, status.InactiveConnections);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_PERSIST_CONNS, status.PersistentConnections);
            KernelReplies.WriteStatistics(ref w, IpvsKernel.IPVS_DEST_ATTR_STATS, IpvsKernel.IPVS_DEST_ATTR_STATS64, status.Statistics, legacy: false, wide: true);
            w.EndNested(nest);
        });
    }

    private static List<(ushort Type, byte[] Value)> NestedAttributes(byte[] request, ushort nestType)
    {
        var result = new List<(ushort, byte[])>();
        var reader = new NetlinkMessageReader(request);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        AttributeReader top = message.GetAttributes(GenericNetlinkHeader.Size);
        while (top.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type != nestType)
            {
                continue;
            }

            Assert.True(attribute.IsNested, $"attribute {nestType} lacks NLA_F_NESTED");
            AttributeReader inner = attribute.GetNested();
            while (inner.TryRead(out NetlinkAttribute item))
            {
                result.Add((item.RawType, item.Value.ToArray()));
            }
        }

        Assert.NotEmpty(result);
        return result;
    }
}
