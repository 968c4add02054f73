using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Wire;

/// <summary>
/// Writes netlink messages and their attributes into caller-provided memory, allocating nothing.
/// Lengths of messages and nested attributes are back-filled when they end.
/// </summary>
/// <remarks>
/// One attribute (<c>struct nlattr</c> + value, padded to 4 bytes):
/// <code>
/// +-------------------------------+-------------------------------+
/// |  nla_len (4 + value length)   | nla_type (| NLA_F_NESTED)     |
/// +-------------------------------+-------------------------------+
/// |  value ...                         | padding to 4 (zeros)     |
/// +---------------------------------------------------------------+
/// </code>
/// Running out of room is a bug in the caller (batches reserve <see cref="MaxMessageReserve"/> per message), so it
/// throws instead of returning false from every call.
/// </remarks>
public ref struct NetlinkWriter
{
    /// <summary>Room a batcher keeps free before starting a message; every message this project encodes is far smaller.</summary>
    public const int MaxMessageReserve = 1024;

    private readonly Span<byte> _buffer;
    private int _position;

    public NetlinkWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Length => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Starts a message; returns the slot to pass to <see cref="EndMessage"/>.</summary>
    public int BeginMessage(ushort type, ushort flags, uint sequence, uint portId = 0)
    {
        int start = _position;
        Span<byte> header = Reserve(NetlinkHeader.Size);
        var value = new NetlinkHeader { Length = 0, Type = type, Flags = flags, Sequence = sequence, PortId = portId };
        value.Write(header);
        return start;
    }

    /// <summary>Writes the 4-byte generic netlink header right after <see cref="BeginMessage"/>.</summary>
    public void WriteGenericHeader(byte command, byte version)
    {
        Span<byte> header = Reserve(GenericNetlinkHeader.Size);
        header[0] = command;
        header[1] = version;
        header[2] = 0;
        header[3] = 0;
    }

    /// <summary>Writes a fixed-size family header (e.g. <c>ifinfomsg</c>) as raw bytes.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(NetlinkAlignment.Align(bytes.Length)));
        Pad(bytes.Length);
    }

    public void EndMessage(int start) => BackfillLength(start, _position - start);

    public void WriteAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        Span<byte> slot = Reserve(NetlinkAlignment.Align(NetlinkKernel.NLA_HDRLEN + value.Length));
        WriteAttributeHeader(slot, type, NetlinkKernel.NLA_HDRLEN + value.Length);
        value.CopyTo(slot[NetlinkKernel.NLA_HDRLEN..]);
        slot[(NetlinkKernel.NLA_HDRLEN + value.Length)..].Clear();
    }

    public void WriteU8(ushort type, byte value) => WriteAttribute(type, [value]);

    public void WriteU16(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ushort)];
        MemoryMarshal.Write(bytes, in value);
        WriteAttribute(type, bytes);
    }

    public void WriteU32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        MemoryMarshal.Write(bytes, in value);
        WriteAttribute(type, bytes);
    }

    public void WriteU64(ushort type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        MemoryMarshal.Write(bytes, in value);
        WriteAttribute(type, bytes);
    }

    /// <summary>A 16-bit value in network byte order (ports).</summary>
    public void WriteU16BigEndian(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ushort)];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        WriteAttribute(type, bytes);
    }

    /// <summary>A 32-bit value in network byte order (IPv4 netmasks).</summary>
    public void WriteU32BigEndian(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        WriteAttribute(type, bytes);
    }

    /// <summary>A NUL-terminated ASCII/UTF-8 string (NLA_NUL_STRING / NLA_STRING both accept it).</summary>
    public void WriteString(ushort type, scoped ReadOnlySpan<char> value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        Span<byte> slot = Reserve(NetlinkAlignment.Align(NetlinkKernel.NLA_HDRLEN + byteCount + 1));
        WriteAttributeHeader(slot, type, NetlinkKernel.NLA_HDRLEN + byteCount + 1);
        Encoding.UTF8.GetBytes(value, slot[NetlinkKernel.NLA_HDRLEN..]);
        slot[(NetlinkKernel.NLA_HDRLEN + byteCount)..].Clear();
    }

    /// <summary>Starts a nested attribute; returns the slot to pass to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _position;
        Span<byte> header = Reserve(NetlinkKernel.NLA_HDRLEN);
        WriteAttributeHeader(header, (ushort)(type | NetlinkKernel.NLA_F_NESTED), 0);
        return start;
    }

    public void EndNested(int start)
    {
        ushort length = checked((ushort)(_position - start));
        MemoryMarshal.Write(_buffer[start..], in length);
    }

    private void BackfillLength(int start, int length)
    {
        uint value = (uint)length;
        MemoryMarshal.Write(_buffer[start..], in value);
    }

    private static void WriteAttributeHeader(Span<byte> destination, ushort type, int length)
    {
        ushort len = checked((ushort)length);
        MemoryMarshal.Write(destination, in len);
        MemoryMarshal.Write(destination[2..], in type);
    }

    private void Pad(int unalignedLength)
    {
        int padding = NetlinkAlignment.Align(unalignedLength) - unalignedLength;
        _buffer.Slice(_position - padding, padding).Clear();
    }

    private Span<byte> Reserve(int length)
    {
        if (length > Remaining)
        {
            throw new InvalidOperationException(
                $"Netlink buffer of {_buffer.Length} bytes is full: {length} more needed at offset {_position}.");
        }

        Span<byte> slot = _buffer.Slice(_position, length);
        _position += length;
        return slot;
    }
}
