using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Ipvs.Core.Model;

/// <summary>
/// An IPv4 or IPv6 address as a value type, so that decoding a kernel message and keying dictionaries by
/// address allocate nothing (<see cref="IPAddress"/> is a class).
/// </summary>
/// <remarks>
/// The bytes are kept in network order in a 16-byte field, laid out like the kernel's <c>union nf_inet_addr</c>:
/// an IPv4 address occupies the first four bytes and the rest are zero.
/// </remarks>
public readonly struct NetAddress : IEquatable<NetAddress>, IComparable<NetAddress>, ISpanFormattable
{
    public const int MaxByteLength = 16;

    private readonly ulong _upper;
    private readonly ulong _lower;

    private NetAddress(IpFamily family, ulong upper, ulong lower)
    {
        Family = family;
        _upper = upper;
        _lower = lower;
    }

    public IpFamily Family { get; }

    /// <summary>4 for IPv4, 16 for IPv6.</summary>
    public int ByteLength => Family == IpFamily.V4 ? 4 : 16;

    public bool IsDefault => Family == 0;

    public static NetAddress FromBytes(IpFamily family, ReadOnlySpan<byte> bytes)
    {
        int expected = family switch
        {
            IpFamily.V4 => 4,
            IpFamily.V6 => 16,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Address family must be IPv4 or IPv6."),
        };
        if (bytes.Length < expected)
        {
            throw new ArgumentException($"An {family} address needs {expected} bytes, got {bytes.Length}.", nameof(bytes));
        }

        Span<byte> padded = stackalloc byte[MaxByteLength];
        padded.Clear();
        bytes[..expected].CopyTo(padded);
        return new NetAddress(family, BinaryPrimitives.ReadUInt64BigEndian(padded), BinaryPrimitives.ReadUInt64BigEndian(padded[8..]));
    }

    /// <summary>Writes all 16 bytes of the <c>nf_inet_addr</c> layout (IPv4 padded with zeros).</summary>
    public void WriteInetAddr(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _upper);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lower);
    }

    /// <summary>Writes the address's own 4 or 16 bytes.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        Span<byte> all = stackalloc byte[MaxByteLength];
        WriteInetAddr(all);
        all[..ByteLength].CopyTo(destination);
        return ByteLength;
    }

    public static NetAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[MaxByteLength];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException($"Cannot read the bytes of {address}.", nameof(address));
        }

        return FromBytes(address.AddressFamily == AddressFamily.InterNetwork ? IpFamily.V4 : IpFamily.V6, bytes[..written]);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[MaxByteLength];
        int length = WriteBytes(bytes);
        return new IPAddress(bytes[..length]);
    }

    public static NetAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out NetAddress address)
            ? address
            : throw new FormatException($"'{text}' is not an IPv4 or IPv6 address.");
    }

    /// <summary>Parses a literal address; IPv6 may be written with or without brackets. Host names are not accepted.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NetAddress address) => TryParse(text.AsSpan(), out address);

    public static bool TryParse(ReadOnlySpan<char> text, out NetAddress address)
    {
        if (text.Length > 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
            if (text.IndexOf(':') < 0)
            {
                address = default;
                return false;
            }
        }

        // IPAddress also accepts forms like "10" or "0x0a.1"; an operator writing those almost certainly made a typo.
        bool looksV4 = text.IndexOf(':') < 0;
        if (looksV4 && !IsDottedQuad(text))
        {
            address = default;
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? parsed) || (parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.ScopeId != 0))
        {
            address = default;
            return false;
        }

        address = FromIPAddress(parsed);
        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            if (part.Length is 0 or > 3 || !int.TryParse(part, System.Globalization.NumberStyles.None, null, out int value) || value > 255)
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }

    /// <summary>True when the first <paramref name="prefixLength"/> bits equal those of <paramref name="network"/>.</summary>
    public bool IsInPrefix(NetAddress network, int prefixLength) =>
        network.Family == Family && MaskedTo(prefixLength) == network.MaskedTo(prefixLength);

    /// <summary>This address with all but its first <paramref name="prefixLength"/> bits cleared: the network of that prefix.</summary>
    public NetAddress MaskedTo(int prefixLength)
    {
        int bits = Family == IpFamily.V4 ? 32 : 128;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
        UInt128 masked = AsUInt128() & (prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefixLength));
        return new NetAddress(Family, (ulong)(masked >> 64), (ulong)masked);
    }

    private UInt128 AsUInt128() => new(_upper, _lower);

    public bool Equals(NetAddress other) => Family == other.Family && _upper == other._upper && _lower == other._lower;

    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Family, _upper, _lower);

    public int CompareTo(NetAddress other)
    {
        int byFamily = ((int)Family).CompareTo((int)other.Family); // as numbers: Enum.CompareTo boxes
        return byFamily != 0 ? byFamily : AsUInt128().CompareTo(other.AsUInt128());
    }

    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    public static bool operator <(NetAddress left, NetAddress right) => left.CompareTo(right) < 0;

    public static bool operator >(NetAddress left, NetAddress right) => left.CompareTo(right) > 0;

    public static bool operator <=(NetAddress left, NetAddress right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NetAddress left, NetAddress right) => left.CompareTo(right) >= 0;

    public override string ToString() => IsDefault ? "(none)" : ToIPAddress().ToString();

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (IsDefault)
        {
            charsWritten = 0;
            return "(none)".TryCopyTo(destination) && (charsWritten = 6) == 6;
        }

        return ToIPAddress().TryFormat(destination, out charsWritten);
    }

    /// <summary>The address as used inside an endpoint: IPv6 in brackets, so a port can follow.</summary>
    public string ToEndpointHost() => Family == IpFamily.V6 ? $"[{this}]" : ToString();
}
