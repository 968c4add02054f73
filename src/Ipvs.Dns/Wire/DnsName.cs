using System.Text;

namespace Ipvs.Dns.Wire;

/// <summary>
/// Domain names in wire form (RFC 1035 3.1): length-prefixed labels ending in the empty root label. Everything here
/// works on the uncompressed form; <see cref="TryDecompress"/> turns a name inside a message into it.
/// </summary>
/// <remarks>
/// <code>
/// +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
/// | 3 | w | e | b | 4 | i | p | v | s | 8 | i | n | t | e | r | n | a | l | 0 |
/// +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
/// a compressed name ends instead in a pointer: two bytes 11pppppp pppppppp, the offset of the rest in the message.
/// </code>
/// </remarks>
public static class DnsName
{
    /// <summary>The longest name in wire form, root label included (RFC 1035 2.3.4).</summary>
    public const int MaxLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> of <paramref name="message"/>, following compression pointers, into
    /// <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes). Every pointer must point strictly
    /// before the previous one and past the header, so pointer loops end; the name may not exceed 255 bytes.
    /// </summary>
    /// <param name="message">The whole message (pointers are offsets into it).</param>
    /// <param name="offset">Where the name starts.</param>
    /// <param name="destination">Receives the uncompressed name.</param>
    /// <param name="written">The uncompressed name's length, root label included.</param>
    /// <param name="next">The offset just past the name where it is written (past the first pointer).</param>
    /// <returns>False for a name that runs past the message, a label type other than 00 or 11, a forward or looping pointer, or a name too long.</returns>
    public static bool TryDecompress(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int written, out int next)
    {
        written = 0;
        next = -1;
        int position = offset;
        int limit = position;
        while (true)
        {
            if (position < 0 || position >= message.Length)
            {
                return false;
            }

            byte length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    return false;
                }

                int target = ((length & 0x3F) << 8) | message[position + 1];
                if (next < 0)
                {
                    next = position + 2;
                }

                // Strictly backwards from the first byte of this name or the last pointer's target: no loops.
                if (target < DnsHeader.Size || target >= limit)
                {
                    return false;
                }

                limit = target;
                position = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                return false;
            }

            if (written + 1 + length > MaxLength || written + 1 + length > destination.Length || position + 1 + length > message.Length)
            {
                return false;
            }

            message.Slice(position, 1 + length).CopyTo(destination[written..]);
            written += 1 + length;
            position += 1 + length;
            if (length == 0)
            {
                if (next < 0)
                {
                    next = position;
                }

                return true;
            }
        }
    }

    /// <summary>Whether two uncompressed names are equal, ASCII letters compared without regard to case (RFC 4343).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            if (Fold(left[i]) != Fold(right[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The number of labels before the root label of an uncompressed name.</summary>
    public static int LabelCount(ReadOnlySpan<byte> name)
    {
        int count = 0;
        for (int position = 0; position < name.Length && name[position] != 0; position += 1 + name[position])
        {
            count++;
        }

        return count;
    }

    /// <summary>The name after its first <paramref name="labels"/> labels (a suffix, still a whole name).</summary>
    public static ReadOnlySpan<byte> SkipLabels(ReadOnlySpan<byte> name, int labels)
    {
        int position = 0;
        for (int i = 0; i < labels; i++)
        {
            position += 1 + name[position];
        }

        return name[position..];
    }

    /// <summary>The first label's text (without its length byte).</summary>
    public static ReadOnlySpan<byte> FirstLabel(ReadOnlySpan<byte> name) => name.Slice(1, name[0]);

    /// <summary>Wire form of <c>web.ipvs.internal</c> (a trailing dot is allowed; the empty string is the root).</summary>
    /// <exception cref="ArgumentException">An empty or over-long label, a non-ASCII name, or a name over 255 bytes.</exception>
    public static byte[] Encode(string dotted)
    {
        ArgumentNullException.ThrowIfNull(dotted);
        string trimmed = dotted.EndsWith('.') ? dotted[..^1] : dotted;
        if (trimmed.Length == 0)
        {
            return [0];
        }

        var bytes = new List<byte>(trimmed.Length + 2);
        foreach (string label in trimmed.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || !Ascii.IsValid(label))
            {
                throw new ArgumentException($"\"{dotted}\" is not a domain name: label \"{label}\" must be 1-{MaxLabelLength} ASCII characters", nameof(dotted));
            }

            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return bytes.Count <= MaxLength
            ? [.. bytes]
            : throw new ArgumentException($"\"{dotted}\" is longer than {MaxLength} bytes in wire form", nameof(dotted));
    }

    /// <summary>Dotted text for logs, bytes outside printable ASCII and dots inside labels escaped as <c>\DDD</c>.</summary>
    public static string ToText(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name[0] == 0)
        {
            return ".";
        }

        var text = new StringBuilder(name.Length);
        for (int position = 0; position < name.Length && name[position] != 0; position += 1 + name[position])
        {
            foreach (byte b in name.Slice(position + 1, name[position]))
            {
                if (b is > 0x20 and < 0x7F and not (byte)'.' and not (byte)'\\')
                {
                    text.Append((char)b);
                }
                else
                {
                    text.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            text.Append('.');
        }

        return text.ToString();
    }

    internal static byte Fold(byte value) => value is >= (byte)'A' and <= (byte)'Z' ? (byte)(value | 0x20) : value;
}
