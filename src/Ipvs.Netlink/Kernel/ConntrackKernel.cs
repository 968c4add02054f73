namespace Ipvs.Netlink.Kernel;

/// <summary>Constants of &lt;linux/netfilter/nfnetlink.h&gt; and &lt;linux/netfilter/nfnetlink_conntrack.h&gt; (ctnetlink).</summary>
internal static class ConntrackKernel
{
    public const int NETLINK_NETFILTER = 12;

    public const byte NFNETLINK_V0 = 0;
    public const byte NFNL_SUBSYS_CTNETLINK = 1;

    public const byte IPCTNL_MSG_CT_GET = 1;
    public const byte IPCTNL_MSG_CT_DELETE = 2;

    public const ushort CTA_TUPLE_ORIG = 1;
    public const ushort CTA_TUPLE_REPLY = 2;
    public const ushort CTA_ZONE = 18;

    public const ushort CTA_TUPLE_IP = 1;
    public const ushort CTA_TUPLE_PROTO = 2;

    public const ushort CTA_IP_V4_SRC = 1;
    public const ushort CTA_IP_V4_DST = 2;
    public const ushort CTA_IP_V6_SRC = 3;
    public const ushort CTA_IP_V6_DST = 4;

    public const ushort CTA_PROTO_NUM = 1;
    public const ushort CTA_PROTO_SRC_PORT = 2;
    public const ushort CTA_PROTO_DST_PORT = 3;

    /// <summary>sizeof(struct nfgenmsg): family, version, big-endian resource id.</summary>
    public const int NFGENMSG_SIZE = 4;
}
