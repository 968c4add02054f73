using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Sockets;

/// <summary><c>struct sockaddr_nl</c>: a netlink endpoint; port id 0 is the kernel.</summary>
/// <remarks>
/// <code>
/// +-------------------------------+-------------------------------+
/// |    nl_family (AF_NETLINK)     |          nl_pad (0)           |
/// +-------------------------------+-------------------------------+
/// |                       nl_pid (port id)                        |
/// +---------------------------------------------------------------+
/// |                   nl_groups (multicast mask)                  |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct SockAddrNl
{
    public ushort Family;
    public ushort Pad;
    public uint PortId;
    public uint Groups;

    public static SockAddrNl Kernel => new() { Family = NetlinkKernel.AF_NETLINK };
}

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVector
{
    public void* Base;
    public nuint Length;
}

/// <summary><c>struct msghdr</c> (LP64 layout; the compiler pads after <c>msg_namelen</c> like C does).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct mmsghdr</c>: one slot of <c>recvmmsg</c>; the kernel writes the datagram's length into <see cref="Length"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MultiMessageHeader
{
    public MessageHeader Header;
    public uint Length;
}

/// <summary><c>struct timeval</c> (LP64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeValue
{
    public long Seconds;
    public long Microseconds;
}
