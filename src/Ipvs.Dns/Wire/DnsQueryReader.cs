using System.Buffers.Binary;

namespace Ipvs.Dns.Wire;

/// <summary>What reading a query found.</summary>
public enum DnsQueryStatus
{
    /// <summary>One well-formed question (and at most one OPT record).</summary>
    Query,

    /// <summary>Not worth an answer: shorter than a header, or a response (answering responses invites loops).</summary>
    Drop,

    /// <summary>A header, but the rest is malformed: answer FORMERR.</summary>
    FormatError,

    /// <summary>An opcode other than QUERY: answer NOTIMP.</summary>
    NotImplemented,
}

/// <summary>The EDNS0 OPT record of a query (RFC 6891): the requester's UDP payload size, version and DO bit.</summary>
public readonly record struct EdnsInfo(bool Present, ushort UdpPayloadSize, byte Version, bool DnssecOk);

/// <summary>A query as read: its header, its one question (name uncompressed, case as sent) and its EDNS0 data.</summary>
public readonly ref struct DnsQuery
{
    public DnsQuery(DnsHeader header, ReadOnlySpan<byte> name, ushort type, ushort @class, EdnsInfo edns)
    {
        Header = header;
        Name = name;
        Type = type;
        Class = @class;
        Edns = edns;
    }

    public DnsHeader Header { get; }

    /// <summary>The question's name in uncompressed wire form; empty when the question could not be read.</summary>
    public ReadOnlySpan<byte> Name { get; }

    public ushort Type { get; }

    public ushort Class { get; }

    public EdnsInfo Edns { get; }

    public bool HasQuestion => !Name.IsEmpty;
}

/// <summary>Reads a query, checking every length; never throws on any input.</summary>
/// <remarks>
/// A message (RFC 1035 4.1): header, QDCOUNT questions, ANCOUNT + NSCOUNT records (skipped: queries carry none in
/// practice), ARCOUNT records of which at most one may be OPT. Bytes after the last record are ignored, as most
/// servers do.
/// </remarks>
public static class DnsQueryReader
{
    /// <param name="packet">The datagram, or the TCP message without its length prefix.</param>
    /// <param name="nameBuffer">At least <see cref="DnsName.MaxLength"/> bytes for the question's name.</param>
    /// <param name="query">The query; its question is present for <see cref="DnsQueryStatus.Query"/> and, when readable, for the error statuses.</param>
    public static DnsQueryStatus Read(ReadOnlySpan<byte> packet, Span<byte> nameBuffer, out DnsQuery query)
    {
        query = default;
        if (!DnsHeader.TryRead(packet, out DnsHeader header) || header.IsResponse)
        {
            return DnsQueryStatus.Drop;
        }

        query = new DnsQuery(header, [], 0, 0, default);
        if (header.QuestionCount != 1)
        {
            return header.Opcode != 0 ? DnsQueryStatus.NotImplemented : DnsQueryStatus.FormatError;
        }

        if (!DnsName.TryDecompress(packet, DnsHeader.Size, nameBuffer, out int nameLength, out int position) || position + 4 > packet.Length)
        {
            return header.Opcode != 0 ? DnsQueryStatus.NotImplemented : DnsQueryStatus.FormatError;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
        ushort @class = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 2)..]);
        position += 4;
        query = new DnsQuery(header, nameBuffer[..nameLength], type, @class, default);
        if (header.Opcode != 0)
        {
            return DnsQueryStatus.NotImplemented;
        }

        Span<byte> scratch = stackalloc byte[DnsName.MaxLength];
        int skipped = header.AnswerCount + header.AuthorityCount;
        for (int i = 0; i < skipped; i++)
        {
            if (!TryReadRecord(packet, ref position, scratch, out _, out _, out _, out _))
            {
                return DnsQueryStatus.FormatError;
            }
        }

        EdnsInfo edns = default;
        for (int i = 0; i < header.AdditionalCount; i++)
        {
            int start = position;
            if (!TryReadRecord(packet, ref position, scratch, out int ownerLength, out ushort recordType, out ushort recordClass, out uint ttl))
            {
                return DnsQueryStatus.FormatError;
            }

            if (recordType != (ushort)DnsRecordType.Opt)
            {
                continue;
            }

            // One OPT, owned by the root (RFC 6891 6.1.1).
            if (edns.Present || ownerLength != 1 || packet[start] != 0)
            {
                return DnsQueryStatus.FormatError;
            }

            edns = new EdnsInfo(true, recordClass, (byte)(ttl >> 16), (ttl & 0x8000) != 0);
        }

        query = new DnsQuery(header, nameBuffer[..nameLength], type, @class, edns);
        return DnsQueryStatus.Query;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> packet, ref int position, Span<byte> scratch, out int ownerLength, out ushort type, out ushort @class, out uint ttl)
    {
        type = 0;
        @class = 0;
        ttl = 0;
        if (!DnsName.TryDecompress(packet, position, scratch, out ownerLength, out int next) || next + 10 > packet.Length)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(packet[next..]);
        @class = BinaryPrimitives.ReadUInt16BigEndian(packet[(next + 2)..]);
        ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(next + 4)..]);
        int rdlength = BinaryPrimitives.ReadUInt16BigEndian(packet[(next + 8)..]);
        if (next + 10 + rdlength > packet.Length)
        {
            return false;
        }

        position = next + 10 + rdlength;
        return true;
    }
}
