using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Wire;

/// <summary>One message inside a receive buffer: its header and the bytes after the header.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(NetlinkHeader header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public NetlinkHeader Header { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The attributes after a fixed family header of <paramref name="familyHeaderLength"/> bytes (4 for genl).</summary>
    public AttributeReader GetAttributes(int familyHeaderLength)
    {
        if (Payload.Length < familyHeaderLength)
        {
            throw new NetlinkDecodeException(
                $"Message type {Header.Type} has {Payload.Length} payload bytes, fewer than its {familyHeaderLength}-byte family header.");
        }

        return new AttributeReader(Payload[Math.Min(NetlinkAlignment.Align(familyHeaderLength), Payload.Length)..]);
    }
}

/// <summary>Walks the messages packed in one receive buffer, validating each length.</summary>
public ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> buffer) => _remaining = buffer;

    public bool TryRead(out NetlinkMessage message)
    {
        if (_remaining.IsEmpty)
        {
            message = default;
            return false;
        }

        NetlinkHeader header = NetlinkHeader.Read(_remaining);
        if (header.Length < NetlinkHeader.Size || header.Length > _remaining.Length)
        {
            throw new NetlinkDecodeException(
                $"Netlink message length {header.Length} is outside 16..{_remaining.Length} (type {header.Type}, seq {header.Sequence}).");
        }

        int length = (int)header.Length;
        message = new NetlinkMessage(header, _remaining[NetlinkHeader.Size..length]);
        _remaining = _remaining[Math.Min(NetlinkAlignment.Align(length), _remaining.Length)..];
        return true;
    }
}

/// <summary>One attribute: its type (flags masked off) and value.</summary>
public readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort rawType, ReadOnlySpan<byte> value)
    {
        RawType = rawType;
        Value = value;
    }

    public ushort RawType { get; }

    public ushort Type => (ushort)(RawType & NetlinkKernel.NLA_TYPE_MASK);

    public bool IsNested => (RawType & NetlinkKernel.NLA_F_NESTED) != 0;

    public ReadOnlySpan<byte> Value { get; }

    public byte GetU8() => Fixed(sizeof(byte))[0];

    public ushort GetU16() => MemoryMarshal.Read<ushort>(Fixed(sizeof(ushort)));

    public uint GetU32() => MemoryMarshal.Read<uint>(Fixed(sizeof(uint)));

    public ulong GetU64() => MemoryMarshal.Read<ulong>(Fixed(sizeof(ulong)));

    public ushort GetU16BigEndian() => BinaryPrimitives.ReadUInt16BigEndian(Fixed(sizeof(ushort)));

    public uint GetU32BigEndian() => BinaryPrimitives.ReadUInt32BigEndian(Fixed(sizeof(uint)));

    /// <summary>The bytes of a string attribute up to (not including) its NUL terminator, if any.</summary>
    public ReadOnlySpan<byte> GetStringBytes()
    {
        int nul = Value.IndexOf((byte)0);
        return nul < 0 ? Value : Value[..nul];
    }

    public string GetString() => Encoding.UTF8.GetString(GetStringBytes());

    public AttributeReader GetNested() => new(Value);

    /// <summary>The value, checked to be at least <paramref name="size"/> bytes (the kernel's own policy is "at least").</summary>
    private ReadOnlySpan<byte> Fixed(int size) => Value.Length >= size
        ? Value[..size]
        : throw new NetlinkDecodeException($"Attribute {Type} has {Value.Length} bytes, needs {size}.");
}

/// <summary>
/// Walks a run of attributes, validating every length and skipping the padding to 4 bytes.
/// Unknown attribute types are simply returned; callers ignore types they do not know.
/// </summary>
public ref struct AttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public AttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    public bool TryRead(out NetlinkAttribute attribute)
    {
        if (_remaining.Length < NetlinkKernel.NLA_HDRLEN)
        {
            if (!_remaining.IsEmpty)
            {
                throw new NetlinkDecodeException($"{_remaining.Length} trailing bytes are too short for an attribute header.");
            }

            attribute = default;
            return false;
        }

        ushort length = MemoryMarshal.Read<ushort>(_remaining);
        ushort type = MemoryMarshal.Read<ushort>(_remaining[2..]);
        if (length < NetlinkKernel.NLA_HDRLEN || length > _remaining.Length)
        {
            throw new NetlinkDecodeException($"Attribute {type & NetlinkKernel.NLA_TYPE_MASK} length {length} is outside 4..{_remaining.Length}.");
        }

        attribute = new NetlinkAttribute(type, _remaining[NetlinkKernel.NLA_HDRLEN..length]);
        _remaining = _remaining[Math.Min(NetlinkAlignment.Align(length), _remaining.Length)..];
        return true;
    }
}
