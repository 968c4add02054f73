using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Wire;

public sealed class NetlinkWireTests
{
    [Fact]
    public void NetlinkWriter_NestedAttributes_BackfillsLengthsAndPadsWithZeros()
    {
        byte[] buffer = new byte[64];
        buffer.AsSpan().Fill(0xee);
        var writer = new NetlinkWriter(buffer);

        int message = writer.BeginMessage(0x1c, 0x0001, 9);
        int outer = writer.BeginNested(1);
        writer.WriteU8(2, 0xab);
        int inner = writer.BeginNested(3);
        writer.WriteString(4, "ab");
        writer.EndNested(inner);
        writer.EndNested(outer);
        writer.EndMessage(message);

        byte[] expected = Hex.Parse(
            "28000000 1c00 0100 09000000 00000000" // nlmsghdr, len 40
            + "18000180"                            // outer: len 24, type 1 | NLA_F_NESTED
            + "05000200 ab000000"                   // u8 + 3 padding zeros
            + "0c000380"                            // inner: len 12 = 4 + its padded child
            + "07000400 61620000");                 // len 7: "ab\0", then 1 padding zero
        Assert.Equal(Hex.Format(expected), Hex.Format(writer.Written));
    }

    [Fact]
    public void NetlinkWriter_BufferTooSmall_ThrowsNamingSizes()
    {
        byte[] buffer = new byte[8];
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new NetlinkWriter(buffer);
            writer.BeginMessage(1, 0, 0);
        });

        Assert.Contains("8 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NetlinkMessageReader_TwoMessages_ReadsBothAndStops()
    {
        byte[] buffer = [.. KernelReplies.Info(1, 2), .. KernelReplies.Config(3, 4, 5)];
        var reader = new NetlinkMessageReader(buffer);

        Assert.True(reader.TryRead(out NetlinkMessage first));
        Assert.Equal(9u, first.Header.Sequence);
        Assert.True(reader.TryRead(out NetlinkMessage second));
        Assert.Equal(10u, second.Header.Sequence);
        Assert.False(reader.TryRead(out _));
    }

    [Theory]
    [InlineData("10000000 0300 0200 01000000")]                      // 12 bytes: shorter than a header
    [InlineData("20000000 0300 0200 01000000 00000000")]             // claims 32 bytes, 16 present
    [InlineData("08000000 0300 0200 01000000 00000000")]             // claims 8 bytes, less than its own header
    [InlineData("10000000 0300 0200 01000000 00000000 deadbeef")]    // a valid message then 4 bytes of garbage
    public void NetlinkMessageReader_MalformedBuffer_ThrowsDecodeException(string hex)
    {
        byte[] buffer = Hex.Parse(hex);

        Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new NetlinkMessageReader(buffer);
            while (reader.TryRead(out _))
            {
            }
        });
    }

    [Theory]
    [InlineData("0800 0100 01000000 0300")]  // 2 trailing bytes: too short for a header
    [InlineData("0c00 0100 01000000")]       // claims 12 bytes, 8 present
    [InlineData("0200 0100 01000000")]       // claims 2 bytes: less than its own header
    public void AttributeReader_MalformedAttributes_ThrowsDecodeException(string hex)
    {
        byte[] buffer = Hex.Parse(hex);

        Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(buffer);
            while (reader.TryRead(out _))
            {
            }
        });
    }

    [Fact]
    public void AttributeReader_UnknownTypes_AreReturnedAndSkippedByPadding()
    {
        byte[] buffer = Hex.Parse("0500 6300 7f000000 | 0800 0100 2a000000");
        var reader = new AttributeReader(buffer);
        var types = new List<ushort>();
        uint known = 0;

        while (reader.TryRead(out NetlinkAttribute attribute))
        {
            types.Add(attribute.Type);
            if (attribute.Type == 1)
            {
                known = attribute.GetU32();
            }
        }

        Assert.Equal([(ushort)99, (ushort)1], types);
        Assert.Equal(42u, known);
    }

    [Fact]
    public void NetlinkAttribute_ValueShorterThanType_ThrowsDecodeException()
    {
        byte[] buffer = Hex.Parse("0600 0100 2a00 0000");

        Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(buffer);
            reader.TryRead(out NetlinkAttribute attribute);
            return attribute.GetU32();
        });
    }
}
