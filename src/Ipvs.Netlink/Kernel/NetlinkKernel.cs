namespace Ipvs.Netlink.Kernel;

// Constants keep their C names from <linux/netlink.h> so they can be grepped against the header;
// native/probe prints the header's values and a unit test compares every one of them.

/// <summary>Constants of &lt;linux/netlink.h&gt; (and the socket constants netlink needs).</summary>
internal static class NetlinkKernel
{
    public const int AF_NETLINK = 16;
    public const int SOL_NETLINK = 270;

    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_GENERIC = 16;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_MULTI = 0x02;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_ECHO = 0x08;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP_FILTERED = 0x20;
    public const ushort NLM_F_ROOT = 0x100;
    public const ushort NLM_F_MATCH = 0x200;
    public const ushort NLM_F_ATOMIC = 0x400;
    public const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_APPEND = 0x800;
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;

    public const ushort NLMSG_NOOP = 0x1;
    public const ushort NLMSG_ERROR = 0x2;
    public const ushort NLMSG_DONE = 0x3;
    public const ushort NLMSG_OVERRUN = 0x4;
    public const ushort NLMSG_MIN_TYPE = 0x10;

    public const int NLMSG_ALIGNTO = 4;
    public const int NLMSG_HDRLEN = 16;
    public const int NLA_ALIGNTO = 4;
    public const int NLA_HDRLEN = 4;
    public const ushort NLA_F_NESTED = 1 << 15;
    public const ushort NLA_F_NET_BYTEORDER = 1 << 14;
    public const ushort NLA_TYPE_MASK = unchecked((ushort)~(NLA_F_NESTED | NLA_F_NET_BYTEORDER));

    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_BROADCAST_ERROR = 4;
    public const int NETLINK_NO_ENOBUFS = 5;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_GET_STRICT_CHK = 12;

    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLMSGERR_ATTR_OFFS = 2;
    public const ushort NLMSGERR_ATTR_COOKIE = 3;
    public const ushort NLMSGERR_ATTR_POLICY = 4;
    public const ushort NLMSGERR_ATTR_MISS_TYPE = 5;
    public const ushort NLMSGERR_ATTR_MISS_NEST = 6;
}
