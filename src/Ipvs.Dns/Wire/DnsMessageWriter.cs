using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Ipvs.Dns.Wire;

/// <summary>The section a record goes into; records must be written in this order.</summary>
public enum DnsSection
{
    Answer,
    Authority,
    Additional,
}

/// <summary>
/// Writes one DNS message into caller-provided memory, allocating nothing: the header, the question, then records
/// section by section; the header's counts are back-filled by <see cref="Finish"/>. Names are compressed against the
/// names already written (RFC 1035 4.1.4), except where the RFCs forbid it (the SRV target, RFC 2782).
/// </summary>
/// <remarks>
/// One resource record (RFC 1035 4.1.3):
/// <code>
/// +------------------------------------------------+
/// | NAME (labels, or labels ending in a pointer)   |
/// +-----------------------+------------------------+
/// | TYPE (16)             | CLASS (16)             |
/// +-----------------------+------------------------+
/// | TTL (32, seconds)                              |
/// +-----------------------+------------------------+
/// | RDLENGTH (16)         | RDATA ...              |
/// +-----------------------+------------------------+
/// </code>
/// Running out of room is not a bug here but the reason for TC: the writer then stops writing and
/// <see cref="Overflowed"/> is set; <see cref="Mark"/> and <see cref="Rewind"/> let the caller drop what did not fit.
/// </remarks>
public ref struct DnsMessageWriter
{
    private const int MaxCompressionTargets = 64;

    private readonly Span<byte> _buffer;
    private CompressionTargets _targets;
    private int _targetCount;
    private int _position;
    private int _questions;
    private int _answers;
    private int _authorities;
    private int _additionals;
    private bool _overflowed;

    public DnsMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
    }

    public readonly int Length => _position;

    /// <summary>True once a write did not fit; everything after it was skipped.</summary>
    public readonly bool Overflowed => _overflowed;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>A point to <see cref="Rewind"/> to.</summary>
    public readonly WriterMark Mark() => new(_position, _targetCount, _answers, _authorities, _additionals);

    /// <summary>Forgets everything written after <paramref name="mark"/>, overflow included.</summary>
    public void Rewind(WriterMark mark)
    {
        _position = mark.Position;
        _targetCount = mark.Targets;
        _answers = mark.Answers;
        _authorities = mark.Authorities;
        _additionals = mark.Additionals;
        _overflowed = false;
    }

    /// <summary>Reserves the header; its counts are written by <see cref="Finish"/>.</summary>
    public void WriteHeaderPlaceholder() => Reserve(DnsHeader.Size);

    /// <summary>
    /// A question (RFC 1035 4.1.2): NAME, QTYPE (16), QCLASS (16). The name is written as given, case included, so that
    /// answers pointing at it echo the asker's case.
    /// </summary>
    public void WriteQuestion(scoped ReadOnlySpan<byte> name, ushort type, ushort @class)
    {
        WriteName(name, compress: true);
        Span<byte> fixedPart = Reserve(4);
        if (fixedPart.IsEmpty)
        {
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], @class);
        _questions++;
    }

    /// <summary>An A record: RDATA is the 4-byte IPv4 address.</summary>
    public void WriteA(DnsSection section, scoped ReadOnlySpan<byte> name, uint ttl, scoped ReadOnlySpan<byte> address) =>
        WriteAddress(section, name, DnsRecordType.A, ttl, address, 4);

    /// <summary>An AAAA record (RFC 3596): RDATA is the 16-byte IPv6 address.</summary>
    public void WriteAaaa(DnsSection section, scoped ReadOnlySpan<byte> name, uint ttl, scoped ReadOnlySpan<byte> address) =>
        WriteAddress(section, name, DnsRecordType.Aaaa, ttl, address, 16);

    /// <summary>An SRV record (RFC 2782); the target is never compressed.</summary>
    /// <remarks>
    /// <code>
    /// +-----------------------+-----------------------+-----------------------+--------------------------+
    /// | PRIORITY (16)         | WEIGHT (16)           | PORT (16)             | TARGET (uncompressed)    |
    /// +-----------------------+-----------------------+-----------------------+--------------------------+
    /// </code>
    /// </remarks>
    public void WriteSrv(DnsSection section, scoped ReadOnlySpan<byte> name, uint ttl, ushort priority, ushort weight, ushort port, scoped ReadOnlySpan<byte> target)
    {
        int rdata = BeginRecord(section, name, DnsRecordType.Srv, DnsClass.Internet, ttl);
        Span<byte> fixedPart = Reserve(6);
        if (fixedPart.IsEmpty)
        {
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, priority);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], weight);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[4..], port);
        WriteName(target, compress: false);
        EndRecord(rdata);
    }

    /// <summary>An SOA record (RFC 1035 3.3.13).</summary>
    /// <remarks>
    /// <code>
    /// +--------------+--------------+------------+-------------+------------+-------------+--------------+
    /// | MNAME        | RNAME        | SERIAL (32)| REFRESH (32)| RETRY (32) | EXPIRE (32) | MINIMUM (32) |
    /// +--------------+--------------+------------+-------------+------------+-------------+--------------+
    /// </code>
    /// MINIMUM is the negative-caching TTL (RFC 2308).
    /// </remarks>
    public void WriteSoa(DnsSection section, scoped ReadOnlySpan<byte> name, uint ttl, in SoaData soa, scoped ReadOnlySpan<byte> primary, scoped ReadOnlySpan<byte> mailbox)
    {
        int rdata = BeginRecord(section, name, DnsRecordType.Soa, DnsClass.Internet, ttl);
        WriteName(primary, compress: true);
        WriteName(mailbox, compress: true);
        Span<byte> numbers = Reserve(20);
        if (numbers.IsEmpty)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32BigEndian(numbers, soa.Serial);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], soa.Refresh);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], soa.Retry);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], soa.Expire);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], soa.Minimum);
        EndRecord(rdata);
    }

    /// <summary>The EDNS0 OPT pseudo-record (RFC 6891 6.1.2), always in the additional section.</summary>
    /// <remarks>
    /// <code>
    /// +----------+-----------+--------------------+-------------+---------------------------+--------------+
    /// | NAME (0) | TYPE (41) | CLASS: UDP size    | TTL: EXTENDED-RCODE (8), VERSION (8), DO + Z (16) | RDLENGTH (0) |
    /// +----------+-----------+--------------------+-------------+---------------------------+--------------+
    /// </code>
    /// </remarks>
    public void WriteOpt(ushort udpPayloadSize, byte extendedResponseCode, byte version, bool dnssecOk)
    {
        uint ttl = ((uint)extendedResponseCode << 24) | ((uint)version << 16) | (dnssecOk ? 0x8000u : 0);
        int rdata = BeginRecord(DnsSection.Additional, [0], DnsRecordType.Opt, udpPayloadSize, ttl);
        EndRecord(rdata);
    }

    /// <summary>Back-fills the header with <paramref name="id"/>, <paramref name="flags"/> and the counts; returns the message length, or -1 after an overflow.</summary>
    public readonly int Finish(ushort id, ushort flags)
    {
        if (_overflowed || _position < DnsHeader.Size)
        {
            return -1;
        }

        new DnsHeader(id, flags, (ushort)_questions, (ushort)_answers, (ushort)_authorities, (ushort)_additionals).Write(_buffer);
        return _position;
    }

    private void WriteAddress(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> address, int length)
    {
        if (address.Length != length)
        {
            throw new ArgumentException($"A {type} record needs a {length}-byte address, got {address.Length} bytes", nameof(address));
        }

        int rdata = BeginRecord(section, name, type, DnsClass.Internet, ttl);
        Span<byte> slot = Reserve(length);
        if (slot.IsEmpty)
        {
            return;
        }

        address.CopyTo(slot);
        EndRecord(rdata);
    }

    /// <summary>Writes NAME TYPE CLASS TTL and a zero RDLENGTH; returns where RDLENGTH is, for <see cref="EndRecord"/>.</summary>
    private int BeginRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, ushort @class, uint ttl)
    {
        WriteName(name, compress: true);
        Span<byte> fixedPart = Reserve(10);
        if (fixedPart.IsEmpty)
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], @class);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart[4..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[8..], 0);
        switch (section)
        {
            case DnsSection.Answer:
                _answers++;
                break;
            case DnsSection.Authority:
                _authorities++;
                break;
            default:
                _additionals++;
                break;
        }

        return _position - 2;
    }

    private readonly void EndRecord(int rdlengthAt)
    {
        if (!_overflowed && rdlengthAt >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[rdlengthAt..], (ushort)(_position - rdlengthAt - 2));
        }
    }

    /// <summary>
    /// Writes an uncompressed name, replacing its longest suffix already in the message with a pointer when
    /// <paramref name="compress"/>; every label start written becomes a target for later names.
    /// </summary>
    private void WriteName(scoped ReadOnlySpan<byte> name, bool compress)
    {
        int position = 0;
        while (position < name.Length && name[position] != 0)
        {
            ReadOnlySpan<byte> suffix = name[position..];
            if (compress && FindSuffix(suffix) is var target and >= 0)
            {
                Span<byte> pointer = Reserve(2);
                if (!pointer.IsEmpty)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(pointer, (ushort)(0xC000 | target));
                }

                return;
            }

            int labelLength = 1 + name[position];
            int start = _position;
            Span<byte> slot = Reserve(labelLength);
            if (slot.IsEmpty)
            {
                return;
            }

            name.Slice(position, labelLength).CopyTo(slot);
            if (start <= 0x3FFF && _targetCount < MaxCompressionTargets)
            {
                _targets[_targetCount++] = (ushort)start;
            }

            position += labelLength;
        }

        Span<byte> root = Reserve(1);
        if (!root.IsEmpty)
        {
            root[0] = 0;
        }
    }

    /// <summary>The offset of a name already written that equals <paramref name="suffix"/> (ignoring case), or -1.</summary>
    private readonly int FindSuffix(scoped ReadOnlySpan<byte> suffix)
    {
        Span<byte> candidate = stackalloc byte[DnsName.MaxLength];
        for (int i = 0; i < _targetCount; i++)
        {
            if (DnsName.TryDecompress(_buffer[.._position], _targets[i], candidate, out int length, out _)
                && DnsName.EqualsIgnoreCase(candidate[..length], suffix))
            {
                return _targets[i];
            }
        }

        return -1;
    }

    private Span<byte> Reserve(int length)
    {
        if (_overflowed || length > _buffer.Length - _position)
        {
            _overflowed = true;
            return [];
        }

        Span<byte> slot = _buffer.Slice(_position, length);
        _position += length;
        return slot;
    }

    [InlineArray(MaxCompressionTargets)]
    private struct CompressionTargets
    {
        private ushort _element;
    }
}

/// <summary>A position in a <see cref="DnsMessageWriter"/> to rewind to.</summary>
public readonly record struct WriterMark(int Position, int Targets, int Answers, int Authorities, int Additionals);

/// <summary>The numbers of an SOA record.</summary>
public readonly record struct SoaData(uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum);
