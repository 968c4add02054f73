namespace Ipvs.Netlink.Kernel;

/// <summary>Constants of &lt;linux/genetlink.h&gt;: the generic netlink controller that resolves family names.</summary>
internal static class GenericNetlinkKernel
{
    public const int GENL_HDRLEN = 4;
    public const int GENL_NAMSIZ = 16;
    public const ushort GENL_ID_CTRL = 0x10;

    public const byte CTRL_CMD_NEWFAMILY = 1;
    public const byte CTRL_CMD_DELFAMILY = 2;
    public const byte CTRL_CMD_GETFAMILY = 3;

    public const ushort CTRL_ATTR_FAMILY_ID = 1;
    public const ushort CTRL_ATTR_FAMILY_NAME = 2;
    public const ushort CTRL_ATTR_VERSION = 3;
    public const ushort CTRL_ATTR_HDRSIZE = 4;
    public const ushort CTRL_ATTR_MAXATTR = 5;
    public const ushort CTRL_ATTR_OPS = 6;
    public const ushort CTRL_ATTR_MCAST_GROUPS = 7;

    public const ushort CTRL_ATTR_OP_ID = 1;
    public const ushort CTRL_ATTR_OP_FLAGS = 2;
}
