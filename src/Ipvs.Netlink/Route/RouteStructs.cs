using System.Runtime.InteropServices;

namespace Ipvs.Netlink.Route;

/// <summary><c>struct ifinfomsg</c>: the fixed header of RTM_*LINK messages (16 bytes, host order).</summary>
/// <remarks>
/// <code>
///  0               1               2               3
/// +---------------+---------------+-------------------------------+
/// |  ifi_family   |    padding    |     ifi_type (ARPHRD_*)       |
/// +---------------+---------------+-------------------------------+
/// |                    ifi_index (int)                            |
/// +---------------------------------------------------------------+
/// |                    ifi_flags (IFF_*)                          |
/// +---------------------------------------------------------------+
/// |                    ifi_change (which flags to change)         |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct InterfaceInfoMessage
{
    public const int Size = 16;

    public byte Family;
    public byte Padding;
    public ushort Type;
    public int Index;
    public uint Flags;
    public uint Change;
}

/// <summary><c>struct ifaddrmsg</c>: the fixed header of RTM_*ADDR messages (8 bytes).</summary>
/// <remarks>
/// <code>
///  0               1               2               3
/// +---------------+---------------+---------------+---------------+
/// |  ifa_family   | ifa_prefixlen |  ifa_flags    |  ifa_scope    |
/// +---------------+---------------+---------------+---------------+
/// |                    ifa_index (interface index)                |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct InterfaceAddressMessage
{
    public const int Size = 8;

    public byte Family;
    public byte PrefixLength;
    public byte Flags;
    public byte Scope;
    public uint Index;
}
