using System.Buffers.Binary;

namespace Ipvs.Dns.Wire;

/// <summary>The 12-byte message header (RFC 1035 4.1.1).</summary>
/// <remarks>
/// <code>
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |        QDCOUNT        |        ANCOUNT        |   (16 bits each, big-endian)
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |        NSCOUNT        |        ARCOUNT        |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// </remarks>
public readonly record struct DnsHeader(ushort Id, ushort Flags, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount)
{
    public const int Size = 12;

    public const ushort ResponseFlag = 0x8000;
    public const ushort AuthoritativeFlag = 0x0400;
    public const ushort TruncatedFlag = 0x0200;
    public const ushort RecursionDesiredFlag = 0x0100;
    public const ushort RecursionAvailableFlag = 0x0080;
    public const ushort CheckingDisabledFlag = 0x0010;

    public bool IsResponse => (Flags & ResponseFlag) != 0;

    public int Opcode => (Flags >> 11) & 0xF;

    public DnsResponseCode ResponseCode => (DnsResponseCode)(Flags & 0xF);

    public bool IsTruncated => (Flags & TruncatedFlag) != 0;

    /// <summary>False when fewer than 12 bytes are given.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < Size)
        {
            header = default;
            return false;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
    }
}
