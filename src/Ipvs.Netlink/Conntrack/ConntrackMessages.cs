using System.Buffers.Binary;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;
using static Ipvs.Netlink.Kernel.ConntrackKernel;

namespace Ipvs.Netlink.Conntrack;

/// <summary>The netlink header fields of one ctnetlink request; the message type is the encoder's IPCTNL_MSG_CT_*.</summary>
/// <param name="Sequence">Sequence number the kernel echoes in its answer.</param>
/// <param name="Flags">Extra NLM_F_* flags (NLM_F_ACK); NLM_F_REQUEST and the operation's own flags are always set.</param>
public readonly record struct ConntrackRequestHeader(uint Sequence, ushort Flags);

/// <summary>
/// ctnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_CTNETLINK) requests and replies for listing conntrack entries
/// and deleting one by its original tuple: what <c>conntrack -L</c> and <c>conntrack -D</c> send.
/// </summary>
/// <remarks>
/// <code>
/// +---------------------------------------------------------------+
/// | nlmsghdr: len | type (NFNL_SUBSYS_CTNETLINK &lt;&lt; 8) | msg     |
/// |           flags NLM_F_REQUEST|... | seq | port id 0           |
/// +---------------------------------------------------------------+
/// | nfgenmsg: u8 family (AF_INET/AF_INET6) | u8 version 0 |      |
/// |           be16 res_id 0                                       |
/// +---------------------------------------------------------------+
/// | CTA_* attributes (nested tuples, below)                       |
/// +---------------------------------------------------------------+
/// </code>
/// Addresses and ports inside tuples are in network byte order.
/// </remarks>
public static class ConntrackMessages
{
    /// <summary>An upper bound on the size of any request written here.</summary>
    public const int MaxRequestSize = 160;

    /// <summary>IPCTNL_MSG_CT_GET with NLM_F_DUMP: every entry of <paramref name="family"/> (the kernel filters on nfgen_family).</summary>
    public static void WriteDump(ref NetlinkWriter writer, in ConntrackRequestHeader header, IpFamily family)
    {
        int message = Begin(ref writer, header, IPCTNL_MSG_CT_GET, NetlinkKernel.NLM_F_DUMP, family);
        writer.EndMessage(message);
    }

    /// <summary>IPCTNL_MSG_CT_DELETE of the one entry whose original direction is <paramref name="original"/>.</summary>
    /// <remarks>
    /// <code>
    /// nfgenmsg { family, 0, 0 }
    /// CTA_TUPLE_ORIG (nested)
    ///   CTA_TUPLE_IP (nested)
    ///     CTA_IP_V4_SRC | CTA_IP_V6_SRC   4 or 16 bytes
    ///     CTA_IP_V4_DST | CTA_IP_V6_DST   4 or 16 bytes
    ///   CTA_TUPLE_PROTO (nested)
    ///     CTA_PROTO_NUM       u8
    ///     CTA_PROTO_SRC_PORT  be16
    ///     CTA_PROTO_DST_PORT  be16
    /// CTA_ZONE  be16 (only when not zone 0)
    /// </code>
    /// </remarks>
    public static void WriteDelete(ref NetlinkWriter writer, in ConntrackRequestHeader header, in ConntrackTuple original, ushort zone = 0)
    {
        IpFamily family = original.Source.Family;
        if (family is not (IpFamily.V4 or IpFamily.V6) || original.Destination.Family != family)
        {
            throw new ArgumentException($"A conntrack tuple has two addresses of one family: {original}.", nameof(original));
        }

        int message = Begin(ref writer, header, IPCTNL_MSG_CT_DELETE, 0, family);
        int tuple = writer.BeginNested(CTA_TUPLE_ORIG);
        int ip = writer.BeginNested(CTA_TUPLE_IP);
        Span<byte> address = stackalloc byte[NetAddress.MaxByteLength];
        int length = original.Source.WriteBytes(address);
        writer.WriteAttribute(family == IpFamily.V4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, address[..length]);
        length = original.Destination.WriteBytes(address);
        writer.WriteAttribute(family == IpFamily.V4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, address[..length]);
        writer.EndNested(ip);
        int proto = writer.BeginNested(CTA_TUPLE_PROTO);
        writer.WriteU8(CTA_PROTO_NUM, original.Protocol);
        writer.WriteU16BigEndian(CTA_PROTO_SRC_PORT, original.SourcePort);
        writer.WriteU16BigEndian(CTA_PROTO_DST_PORT, original.DestinationPort);
        writer.EndNested(proto);
        writer.EndNested(tuple);
        if (zone != 0)
        {
            writer.WriteU16BigEndian(CTA_ZONE, zone);
        }

        writer.EndMessage(message);
    }

    /// <summary>
    /// Decodes one IPCTNL_MSG_CT_NEW message of a dump; null for an entry this model does not cover (a protocol without
    /// ports, such as ICMP, reads with ports 0 and is returned; a message without both tuples is not).
    /// </summary>
    public static ConntrackEntry? ReadEntry(in NetlinkMessage message)
    {
        if (message.Payload.Length < NFGENMSG_SIZE)
        {
            throw new NetlinkDecodeException($"ctnetlink message of {message.Payload.Length} bytes is shorter than nfgenmsg.");
        }

        IpFamily family = message.Payload[0] switch
        {
            (byte)IpFamily.V4 => IpFamily.V4,
            (byte)IpFamily.V6 => IpFamily.V6,
            byte other => throw new NetlinkDecodeException($"ctnetlink entry of family {other} is neither AF_INET nor AF_INET6."),
        };
        ConntrackTuple? original = null;
        ConntrackTuple? reply = null;
        ushort zone = 0;
        AttributeReader attributes = message.GetAttributes(NFGENMSG_SIZE);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case CTA_TUPLE_ORIG:
                    original = ReadTuple(attribute.GetNested(), family);
                    break;
                case CTA_TUPLE_REPLY:
                    reply = ReadTuple(attribute.GetNested(), family);
                    break;
                case CTA_ZONE:
                    zone = attribute.GetU16BigEndian();
                    break;
                default:
                    break;
            }
        }

        return original is { } originalTuple && reply is { } replyTuple ? new ConntrackEntry(originalTuple, replyTuple, zone) : null;
    }

    private static ConntrackTuple? ReadTuple(AttributeReader tuple, IpFamily family)
    {
        NetAddress? source = null;
        NetAddress? destination = null;
        byte protocol = 0;
        ushort sourcePort = 0;
        ushort destinationPort = 0;
        while (tuple.TryRead(out NetlinkAttribute part))
        {
            switch (part.Type)
            {
                case CTA_TUPLE_IP:
                    AttributeReader ip = part.GetNested();
                    while (ip.TryRead(out NetlinkAttribute address))
                    {
                        switch (address.Type)
                        {
                            case CTA_IP_V4_SRC or CTA_IP_V6_SRC:
                                source = Address(address, family);
                                break;
                            case CTA_IP_V4_DST or CTA_IP_V6_DST:
                                destination = Address(address, family);
                                break;
                            default:
                                break;
                        }
                    }

                    break;
                case CTA_TUPLE_PROTO:
                    AttributeReader proto = part.GetNested();
                    while (proto.TryRead(out NetlinkAttribute field))
                    {
                        switch (field.Type)
                        {
                            case CTA_PROTO_NUM:
                                protocol = field.GetU8();
                                break;
                            case CTA_PROTO_SRC_PORT:
                                sourcePort = field.GetU16BigEndian();
                                break;
                            case CTA_PROTO_DST_PORT:
                                destinationPort = field.GetU16BigEndian();
                                break;
                            default:
                                break;
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        return source is { } from && destination is { } to ? new ConntrackTuple(from, to, protocol, sourcePort, destinationPort) : null;
    }

    private static NetAddress Address(in NetlinkAttribute attribute, IpFamily family)
    {
        int expected = family == IpFamily.V4 ? 4 : 16;
        return attribute.Value.Length == expected
            ? NetAddress.FromBytes(family, attribute.Value)
            : throw new NetlinkDecodeException($"ctnetlink address attribute {attribute.Type} has {attribute.Value.Length} bytes, needs {expected}.");
    }

    private static int Begin(ref NetlinkWriter writer, in ConntrackRequestHeader header, byte command, ushort operationFlags, IpFamily family)
    {
        int message = writer.BeginMessage(
            (ushort)((NFNL_SUBSYS_CTNETLINK << 8) | command), (ushort)(NetlinkKernel.NLM_F_REQUEST | operationFlags | header.Flags), header.Sequence);
        Span<byte> body = stackalloc byte[NFGENMSG_SIZE];
        body[0] = (byte)family;
        body[1] = NFNETLINK_V0;
        BinaryPrimitives.WriteUInt16BigEndian(body[2..], 0);
        writer.WriteRaw(body);
        return message;
    }
}
