using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Route;

/// <summary>The netlink header fields of one rtnetlink request; the message type is the RTM_* of the encoder.</summary>
/// <param name="Sequence">Sequence number the kernel echoes in its answer.</param>
/// <param name="Flags">Extra NLM_F_* flags (usually NLM_F_ACK); NLM_F_REQUEST and the operation's own flags are always set.</param>
public readonly record struct RouteRequestHeader(uint Sequence, ushort Flags);

/// <summary>A network interface from an RTM_NEWLINK reply.</summary>
/// <param name="Index">Interface index.</param>
/// <param name="Name">Interface name (IFLA_IFNAME).</param>
/// <param name="Flags">IFF_* flags (IFF_UP = 1).</param>
/// <param name="Kind">The link type's kind (IFLA_INFO_KIND, e.g. <c>dummy</c>), or null for devices without one.</param>
public readonly record struct LinkInfo(int Index, string Name, uint Flags, string? Kind)
{
    public bool IsUp => (Flags & RtnetlinkKernel.IFF_UP) != 0;
}

/// <summary>An address assigned to an interface, from an RTM_NEWADDR reply.</summary>
public readonly record struct InterfaceAddress(int InterfaceIndex, NetAddress Address, byte PrefixLength);

/// <summary>
/// rtnetlink requests and replies for keeping the virtual service addresses on a dummy interface
/// (what <c>ip link add NAME type dummy</c>, <c>ip link set NAME up</c> and <c>ip addr add/del</c> send).
/// </summary>
/// <remarks>
/// <code>
/// +---------------------------------------------------------------+
/// | nlmsghdr: len | type RTM_* | NLM_F_REQUEST|... | seq | 0      |
/// +---------------------------------------------------------------+
/// | ifinfomsg (16 bytes) or ifaddrmsg (8 bytes)                   |
/// +---------------------------------------------------------------+
/// | attributes (IFLA_* / IFA_*)                                   |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
public static class RouteMessages
{
    /// <summary>An upper bound on the size of any request written here.</summary>
    public const int MaxRequestSize = 128;

    public const string DummyKind = "dummy";

    private static readonly SearchValues<char> _invalidNameCharacters = SearchValues.Create("/: \t\n\r\f\v");

    /// <summary>RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a new dummy interface.</summary>
    /// <remarks>
    /// <code>
    /// ifinfomsg { AF_UNSPEC, 0, 0, index 0, flags 0, change 0 }
    /// IFLA_IFNAME   string "NAME\0"
    /// IFLA_LINKINFO (nested)
    ///   IFLA_INFO_KIND string "dummy\0"
    /// </code>
    /// </remarks>
    public static void WriteCreateDummyLink(ref NetlinkWriter writer, in RouteRequestHeader header, string name)
    {
        RequireInterfaceName(name);
        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_NEWLINK, NetlinkKernel.NLM_F_CREATE | NetlinkKernel.NLM_F_EXCL);
        WriteInterfaceInfo(ref writer, index: 0, flags: 0, change: 0);
        writer.WriteString(RtnetlinkKernel.IFLA_IFNAME, name);
        int linkInfo = writer.BeginNested(RtnetlinkKernel.IFLA_LINKINFO);
        writer.WriteString(RtnetlinkKernel.IFLA_INFO_KIND, DummyKind);
        writer.EndNested(linkInfo);
        writer.EndMessage(message);
    }

    /// <summary>RTM_NEWLINK on an existing interface: ifinfomsg { index, flags IFF_UP or 0, change IFF_UP }.</summary>
    public static void WriteSetLinkUp(ref NetlinkWriter writer, in RouteRequestHeader header, int interfaceIndex, bool up = true)
    {
        RequireIndex(interfaceIndex);
        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_NEWLINK, 0);
        WriteInterfaceInfo(ref writer, interfaceIndex, up ? RtnetlinkKernel.IFF_UP : 0, RtnetlinkKernel.IFF_UP);
        writer.EndMessage(message);
    }

    /// <summary>RTM_DELLINK by index: ifinfomsg { index } and no attributes.</summary>
    public static void WriteDeleteLink(ref NetlinkWriter writer, in RouteRequestHeader header, int interfaceIndex)
    {
        RequireIndex(interfaceIndex);
        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_DELLINK, 0);
        WriteInterfaceInfo(ref writer, interfaceIndex, 0, 0);
        writer.EndMessage(message);
    }

    /// <summary>RTM_DELLINK by name: ifinfomsg { index 0 } + IFLA_IFNAME, which the kernel looks up when the index is 0.</summary>
    public static void WriteDeleteLink(ref NetlinkWriter writer, in RouteRequestHeader header, string name)
    {
        RequireInterfaceName(name);
        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_DELLINK, 0);
        WriteInterfaceInfo(ref writer, 0, 0, 0);
        writer.WriteString(RtnetlinkKernel.IFLA_IFNAME, name);
        writer.EndMessage(message);
    }

    /// <summary>RTM_GETLINK by name: ifinfomsg { index 0 } + IFLA_IFNAME; the answer is one RTM_NEWLINK (or ENODEV).</summary>
    public static void WriteGetLink(ref NetlinkWriter writer, in RouteRequestHeader header, string name)
    {
        RequireInterfaceName(name);
        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_GETLINK, 0);
        WriteInterfaceInfo(ref writer, 0, 0, 0);
        writer.WriteString(RtnetlinkKernel.IFLA_IFNAME, name);
        writer.EndMessage(message);
    }

    /// <summary>RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL (an existing address answers EEXIST).</summary>
    /// <remarks>
    /// <code>
    /// ifaddrmsg { family, prefix length, flags (IFA_F_NODAD for IPv6), RT_SCOPE_UNIVERSE, index }
    /// IFA_LOCAL   4 or 16 bytes, network order
    /// IFA_ADDRESS 4 or 16 bytes, the same (no peer)
    /// </code>
    /// IPv6 addresses skip duplicate address detection: a VIP is shared by design and must be usable at once.
    /// </remarks>
    public static void WriteAddAddress(
        ref NetlinkWriter writer, in RouteRequestHeader header, int interfaceIndex, NetAddress address, byte prefixLength) =>
        WriteAddress(
            ref writer, header, RtnetlinkKernel.RTM_NEWADDR, NetlinkKernel.NLM_F_CREATE | NetlinkKernel.NLM_F_EXCL,
            interfaceIndex, address, prefixLength);

    /// <summary>RTM_DELADDR: the same layout as <see cref="WriteAddAddress"/>.</summary>
    public static void WriteDeleteAddress(
        ref NetlinkWriter writer, in RouteRequestHeader header, int interfaceIndex, NetAddress address, byte prefixLength) =>
        WriteAddress(ref writer, header, RtnetlinkKernel.RTM_DELADDR, 0, interfaceIndex, address, prefixLength);

    /// <summary>RTM_GETADDR with NLM_F_DUMP: every address of <paramref name="family"/> (null = both families).</summary>
    public static void WriteDumpAddresses(ref NetlinkWriter writer, in RouteRequestHeader header, IpFamily? family = null)
    {
        if (family is not (null or IpFamily.V4 or IpFamily.V6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "Address family must be IPv4, IPv6 or null for both.");
        }

        int message = Begin(ref writer, header, RtnetlinkKernel.RTM_GETADDR, NetlinkKernel.NLM_F_DUMP);
        var body = new InterfaceAddressMessage { Family = (byte)(family ?? 0) };
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<InterfaceAddressMessage>(in body)));
        writer.EndMessage(message);
    }

    /// <summary>Decodes an RTM_NEWLINK reply (to RTM_GETLINK or in a link dump).</summary>
    public static LinkInfo ReadLink(in NetlinkMessage message)
    {
        RequireType(message, RtnetlinkKernel.RTM_NEWLINK, "RTM_NEWLINK");
        InterfaceInfoMessage info = ReadFixed<InterfaceInfoMessage>(message, InterfaceInfoMessage.Size, "ifinfomsg");
        string? name = null;
        string? kind = null;
        AttributeReader attributes = message.GetAttributes(InterfaceInfoMessage.Size);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case RtnetlinkKernel.IFLA_IFNAME:
                    name = attribute.GetString();
                    break;
                case RtnetlinkKernel.IFLA_LINKINFO:
                    AttributeReader linkInfo = attribute.GetNested();
                    while (linkInfo.TryRead(out NetlinkAttribute item))
                    {
                        if (item.Type == RtnetlinkKernel.IFLA_INFO_KIND)
                        {
                            kind = item.GetString();
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        return new LinkInfo(
            info.Index,
            name ?? throw new NetlinkDecodeException($"RTM_NEWLINK for interface {info.Index} lacks IFLA_IFNAME."),
            info.Flags,
            kind);
    }

    /// <summary>Decodes an RTM_NEWADDR reply (in an address dump): IFA_LOCAL if present, else IFA_ADDRESS.</summary>
    /// <remarks>IPv4 replies carry both (IFA_ADDRESS is the peer on point-to-point links); IPv6 ones only IFA_ADDRESS.</remarks>
    public static InterfaceAddress ReadAddress(in NetlinkMessage message)
    {
        RequireType(message, RtnetlinkKernel.RTM_NEWADDR, "RTM_NEWADDR");
        InterfaceAddressMessage info = ReadFixed<InterfaceAddressMessage>(message, InterfaceAddressMessage.Size, "ifaddrmsg");
        IpFamily family = info.Family switch
        {
            (byte)IpFamily.V4 => IpFamily.V4,
            (byte)IpFamily.V6 => IpFamily.V6,
            _ => throw new NetlinkDecodeException($"RTM_NEWADDR family {info.Family} is neither AF_INET nor AF_INET6."),
        };
        int maxPrefix = family == IpFamily.V4 ? 32 : 128;
        if (info.PrefixLength > maxPrefix)
        {
            throw new NetlinkDecodeException($"RTM_NEWADDR prefix length {info.PrefixLength} exceeds {maxPrefix}.");
        }

        if (info.Index > int.MaxValue)
        {
            throw new NetlinkDecodeException($"RTM_NEWADDR interface index {info.Index} is out of range.");
        }

        int size = family == IpFamily.V4 ? 4 : 16;
        NetAddress? local = null;
        NetAddress? address = null;
        AttributeReader attributes = message.GetAttributes(InterfaceAddressMessage.Size);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type is RtnetlinkKernel.IFA_LOCAL or RtnetlinkKernel.IFA_ADDRESS)
            {
                if (attribute.Value.Length < size)
                {
                    throw new NetlinkDecodeException($"RTM_NEWADDR address attribute {attribute.Type} has {attribute.Value.Length} bytes, needs {size}.");
                }

                NetAddress value = NetAddress.FromBytes(family, attribute.Value);
                if (attribute.Type == RtnetlinkKernel.IFA_LOCAL)
                {
                    local = value;
                }
                else
                {
                    address = value;
                }
            }
        }

        NetAddress result = local ?? address
            ?? throw new NetlinkDecodeException($"RTM_NEWADDR for interface {info.Index} lacks IFA_LOCAL and IFA_ADDRESS.");
        return new InterfaceAddress((int)info.Index, result, info.PrefixLength);
    }

    private static void WriteAddress(
        ref NetlinkWriter writer, in RouteRequestHeader header, ushort type, ushort operationFlags, int interfaceIndex,
        NetAddress address, byte prefixLength)
    {
        RequireIndex(interfaceIndex);
        if (address.IsDefault)
        {
            throw new ArgumentException("An interface address needs an address.", nameof(address));
        }

        int maxPrefix = address.Family == IpFamily.V4 ? 32 : 128;
        if (prefixLength > maxPrefix)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"A prefix length for {address} is 0..{maxPrefix}.");
        }

        int message = Begin(ref writer, header, type, operationFlags);
        var body = new InterfaceAddressMessage
        {
            Family = (byte)address.Family,
            PrefixLength = prefixLength,
            Flags = address.Family == IpFamily.V6 ? RtnetlinkKernel.IFA_F_NODAD : (byte)0,
            Scope = RtnetlinkKernel.RT_SCOPE_UNIVERSE,
            Index = (uint)interfaceIndex,
        };
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<InterfaceAddressMessage>(in body)));
        Span<byte> bytes = stackalloc byte[NetAddress.MaxByteLength];
        int length = address.WriteBytes(bytes);
        writer.WriteAttribute(RtnetlinkKernel.IFA_LOCAL, bytes[..length]);
        writer.WriteAttribute(RtnetlinkKernel.IFA_ADDRESS, bytes[..length]);
        writer.EndMessage(message);
    }

    private static int Begin(ref NetlinkWriter writer, in RouteRequestHeader header, ushort type, ushort operationFlags) =>
        writer.BeginMessage(type, (ushort)(NetlinkKernel.NLM_F_REQUEST | operationFlags | header.Flags), header.Sequence);

    private static void WriteInterfaceInfo(ref NetlinkWriter writer, int index, uint flags, uint change)
    {
        var body = new InterfaceInfoMessage { Family = RtnetlinkKernel.AF_UNSPEC, Index = index, Flags = flags, Change = change };
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<InterfaceInfoMessage>(in body)));
    }

    private static T ReadFixed<T>(in NetlinkMessage message, int size, string name)
        where T : struct =>
        message.Payload.Length >= size
            ? MemoryMarshal.Read<T>(message.Payload)
            : throw new NetlinkDecodeException($"{name} needs {size} bytes, message type {message.Header.Type} has {message.Payload.Length}.");

    private static void RequireType(in NetlinkMessage message, ushort type, string name)
    {
        if (message.Header.Type != type)
        {
            throw new NetlinkDecodeException($"Message type {message.Header.Type} is not {name} ({type}).");
        }
    }

    private static void RequireIndex(int interfaceIndex)
    {
        if (interfaceIndex <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceIndex), interfaceIndex, "An interface index is positive.");
        }
    }

    /// <summary>The kernel's dev_valid_name: 1..15 bytes, not "." or "..", no '/', ':' or whitespace.</summary>
    private static void RequireInterfaceName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) >= RtnetlinkKernel.IFNAMSIZ
            || name is "." or ".."
            || name.AsSpan().IndexOfAny(_invalidNameCharacters) >= 0)
        {
            throw new ArgumentException(
                $"'{name}' is not a valid interface name (1..{RtnetlinkKernel.IFNAMSIZ - 1} bytes, no '/', ':' or whitespace).", nameof(name));
        }
    }
}
