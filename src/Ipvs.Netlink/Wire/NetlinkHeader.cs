using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Wire;

/// <summary><c>struct nlmsghdr</c>, in host byte order.</summary>
/// <remarks>
/// <code>
///  0               1               2               3
/// +---------------+---------------+---------------+---------------+
/// |                     nlmsg_len (header + payload)              |
/// +-------------------------------+-------------------------------+
/// |          nlmsg_type           |          nlmsg_flags          |
/// +-------------------------------+-------------------------------+
/// |                          nlmsg_seq                            |
/// +---------------------------------------------------------------+
/// |                  nlmsg_pid (sender's port id)                 |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct NetlinkHeader
{
    public const int Size = NetlinkKernel.NLMSG_HDRLEN;

    public uint Length;
    public ushort Type;
    public ushort Flags;
    public uint Sequence;
    public uint PortId;

    public readonly bool HasFlag(ushort flag) => (Flags & flag) == flag;

    public static NetlinkHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new NetlinkDecodeException($"A netlink header needs {Size} bytes, {source.Length} remain.");
        }

        return MemoryMarshal.Read<NetlinkHeader>(source);
    }

    public readonly void Write(Span<byte> destination) => MemoryMarshal.Write(destination, in this);
}

/// <summary><c>struct genlmsghdr</c>: command, version and two reserved bytes after the netlink header.</summary>
/// <remarks>
/// <code>
/// +---------------+---------------+-------------------------------+
/// |      cmd      |    version    |           reserved (0)        |
/// +---------------+---------------+-------------------------------+
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct GenericNetlinkHeader
{
    public const int Size = GenericNetlinkKernel.GENL_HDRLEN;

    public byte Command;
    public byte Version;
    public ushort Reserved;

    public static GenericNetlinkHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new NetlinkDecodeException($"A generic netlink header needs {Size} bytes, {source.Length} remain.");
        }

        return MemoryMarshal.Read<GenericNetlinkHeader>(source);
    }
}

/// <summary>The 4-byte alignment every netlink message and attribute keeps.</summary>
public static class NetlinkAlignment
{
    public static int Align(int length) => (length + NetlinkKernel.NLMSG_ALIGNTO - 1) & ~(NetlinkKernel.NLMSG_ALIGNTO - 1);
}
