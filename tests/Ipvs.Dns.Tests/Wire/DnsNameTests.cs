using Ipvs.Dns.Tests.Support;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Tests.Wire;

public sealed class DnsNameTests
{
    private static readonly byte[] Header = new byte[DnsHeader.Size];

    [Fact]
    public void TryDecompress_PointerToEarlierName_FollowsItAndEndsAfterThePointer()
    {
        byte[] message = [.. Header, .. Hex.Parse("03 77 65 62 04 69 70 76 73 00 | 01 61 c0 10")];
        Span<byte> name = stackalloc byte[DnsName.MaxLength];

        bool read = DnsName.TryDecompress(message, 22, name, out int length, out int next);

        Assert.True(read);
        Assert.Equal("a.ipvs.", DnsName.ToText(name[..length]));
        Assert.Equal(26, next);
    }

    [Theory]
    [InlineData("c0 0c")] // points at itself
    [InlineData("01 61 c0 0c")] // points back at its own start: a loop
    [InlineData("c0 0e 00")] // points forward
    [InlineData("c0 02")] // points into the header
    [InlineData("03 77 65")] // label runs past the end
    [InlineData("c0")] // half a pointer
    [InlineData("41 61 00")] // label type 01 (extended labels) is not supported
    [InlineData("")] // nothing
    public void TryDecompress_MalformedName_ReturnsFalse(string hex)
    {
        byte[] message = [.. Header, .. Hex.Parse(hex)];

        Assert.False(DnsName.TryDecompress(message, DnsHeader.Size, new byte[DnsName.MaxLength], out _, out _));
    }

    [Fact]
    public void TryDecompress_NameOver255Bytes_ReturnsFalse()
    {
        // Five 63-byte labels: 320 bytes in wire form.
        byte[] labels = [.. Enumerable.Range(0, 5).SelectMany(_ => new byte[] { 63 }.Concat(Enumerable.Repeat((byte)'a', 63))), 0];
        byte[] message = [.. Header, .. labels];

        Assert.False(DnsName.TryDecompress(message, DnsHeader.Size, new byte[512], out _, out _));
    }

    [Fact]
    public void EqualsIgnoreCase_DifferentCase_IsEqual() =>
        Assert.True(DnsName.EqualsIgnoreCase(DnsName.Encode("WeB.IPVS.internal"), DnsName.Encode("web.ipvs.INTERNAL")));

    [Theory]
    [InlineData("a..b")]
    [InlineData("exämple.com")]
    public void Encode_InvalidName_Throws(string name) => Assert.Throws<ArgumentException>(() => DnsName.Encode(name));

    [Fact]
    public void Encode_TrailingDot_SameAsWithout() =>
        Assert.Equal(Hex.Format(DnsName.Encode("web.ipvs.internal")), Hex.Format(DnsName.Encode("web.ipvs.internal.")));
}
