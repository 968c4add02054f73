namespace Ipvs.Netlink.Kernel;

/// <summary>Constants of &lt;linux/rtnetlink.h&gt;, &lt;linux/if_link.h&gt;, &lt;linux/if_addr.h&gt; and &lt;linux/if.h&gt;.</summary>
internal static class RtnetlinkKernel
{
    public const byte AF_UNSPEC = 0;

    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;

    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_INFO_KIND = 1;

    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_LABEL = 3;
    public const ushort IFA_FLAGS = 8;

    public const byte IFA_F_NODAD = 0x02;
    public const byte IFA_F_PERMANENT = 0x80;

    public const byte RT_SCOPE_UNIVERSE = 0;
    public const byte RT_SCOPE_HOST = 254;

    public const uint IFF_UP = 0x1;
    public const int IFNAMSIZ = 16;
}
