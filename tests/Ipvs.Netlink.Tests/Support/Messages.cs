using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Support;

/// <summary>Helpers to write one message into a fresh buffer and to read the single message of a buffer.</summary>
internal static class Messages
{
    public delegate void Encoder(ref NetlinkWriter writer);

    public delegate T Decoder<out T>(in NetlinkMessage message);

    public static byte[] Encode(Encoder encode, int capacity = 4096)
    {
        byte[] buffer = new byte[capacity];
        var writer = new NetlinkWriter(buffer);
        encode(ref writer);
        return writer.Written.ToArray();
    }

    /// <summary>Decodes the one message <paramref name="buffer"/> holds, checking nothing follows it.</summary>
    public static T Decode<T>(byte[] buffer, Decoder<T> decode)
    {
        var reader = new NetlinkMessageReader(buffer);
        Assert.True(reader.TryRead(out NetlinkMessage message), "the buffer holds no message");
        T result = decode(message);
        Assert.False(reader.TryRead(out _), "the buffer holds more than one message");
        return result;
    }
}
