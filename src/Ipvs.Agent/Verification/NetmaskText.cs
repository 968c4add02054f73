using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Ipvs.Core.Model;

namespace Ipvs.Agent.Verification;

/// <summary>ipvsadm prints a persistence netmask as a dotted mask for IPv4 (<c>255.255.255.0</c>) and a prefix length for IPv6 (<c>64</c>).</summary>
internal static class NetmaskText
{
    /// <summary>The prefix length, or null when the text is not a valid (contiguous) mask for the family.</summary>
    public static byte? ToPrefix(IpFamily family, string text)
    {
        if (family == IpFamily.V6)
        {
            return byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out byte prefix) && prefix <= 128 ? prefix : null;
        }

        if (!NetAddress.TryParse(text, out NetAddress mask) || mask.Family != IpFamily.V4)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[4];
        mask.WriteBytes(bytes);
        uint bits = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        int length = BitOperations.PopCount(bits);
        return bits == (length == 0 ? 0 : uint.MaxValue << (32 - length)) ? (byte)length : null;
    }
}
