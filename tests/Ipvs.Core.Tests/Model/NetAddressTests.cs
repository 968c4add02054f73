using System.Net;
using Ipvs.Core.Model;

namespace Ipvs.Core.Tests.Model;

public sealed class NetAddressTests
{
    [Theory]
    [InlineData("10.0.0.1", IpFamily.V4, "10.0.0.1")]
    [InlineData("fd00::1", IpFamily.V6, "fd00::1")]
    [InlineData("[fd00::1]", IpFamily.V6, "fd00::1")]
    [InlineData("FD00:0:0::0001", IpFamily.V6, "fd00::1")]
    [InlineData("::ffff:10.0.0.1", IpFamily.V4, "10.0.0.1")]
    public void Parse_Literal_GivesFamilyAndCanonicalText(string text, IpFamily family, string formatted)
    {
        NetAddress address = NetAddress.Parse(text);

        Assert.Equal(family, address.Family);
        Assert.Equal(formatted, address.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.256")]
    [InlineData("[10.0.0.1]")]
    [InlineData("fe80::1%2")]
    [InlineData("example.com")]
    public void TryParse_NotALiteralAddress_ReturnsFalse(string text)
    {
        Assert.False(NetAddress.TryParse(text, out _));
        Assert.Throws<FormatException>(() => NetAddress.Parse(text));
    }

    [Fact]
    public void WriteInetAddr_Ipv4_PadsTo16BytesLikeNfInetAddr()
    {
        byte[] bytes = new byte[16];

        NetAddress.Parse("10.1.2.3").WriteInetAddr(bytes);

        Assert.Equal([10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bytes);
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("fd00::abcd:1")]
    public void FromBytes_WriteBytes_RoundTrips(string text)
    {
        NetAddress address = NetAddress.Parse(text);
        byte[] bytes = new byte[16];

        int length = address.WriteBytes(bytes);

        Assert.Equal(address.ByteLength, length);
        Assert.Equal(address, NetAddress.FromBytes(address.Family, bytes.AsSpan(0, length)));
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
    }

    [Fact]
    public void FromBytes_TooShort_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => NetAddress.FromBytes(IpFamily.V6, new byte[4]));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.0.0", 16, true)]
    [InlineData("10.2.2.3", "10.1.0.0", 16, false)]
    [InlineData("10.2.2.3", "0.0.0.0", 0, true)]
    [InlineData("10.1.2.3", "10.1.2.3", 32, true)]
    [InlineData("fd00::1:5", "fd00::", 64, true)]
    [InlineData("fd01::1", "fd00::", 16, false)]
    [InlineData("10.1.2.3", "fd00::", 0, false)]
    public void IsInPrefix_Network_MatchesLeadingBits(string address, string network, int prefix, bool expected)
    {
        Assert.Equal(expected, NetAddress.Parse(address).IsInPrefix(NetAddress.Parse(network), prefix));
    }

    [Fact]
    public void IsInPrefix_PrefixBeyondFamily_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetAddress.Parse("10.0.0.1").IsInPrefix(NetAddress.Parse("10.0.0.0"), 33));
    }

    [Fact]
    public void CompareTo_MixedAddresses_OrdersByFamilyThenNumerically()
    {
        NetAddress[] sorted =
        [
            NetAddress.Parse("fd00::2"), NetAddress.Parse("10.0.0.10"), NetAddress.Parse("10.0.0.9"), NetAddress.Parse("::1"),
        ];

        Array.Sort(sorted);

        Assert.Equal(["10.0.0.9", "10.0.0.10", "::1", "fd00::2"], sorted.Select(a => a.ToString()));
        Assert.True(NetAddress.Parse("10.0.0.9") < NetAddress.Parse("10.0.0.10"));
    }

    [Fact]
    public void Equality_SameBytesDifferentSource_AreEqualAndHashAlike()
    {
        NetAddress parsed = NetAddress.Parse("fd00::1");
        NetAddress fromIp = NetAddress.FromIPAddress(IPAddress.Parse("fd00:0::1"));

        Assert.Equal(parsed, fromIp);
        Assert.Equal(parsed.GetHashCode(), fromIp.GetHashCode());
        Assert.NotEqual(NetAddress.Parse("0.0.0.0"), default);
    }

    [Fact]
    public void ToEndpointHost_Ipv6_UsesBrackets()
    {
        Assert.Equal("[fd00::1]", NetAddress.Parse("fd00::1").ToEndpointHost());
        Assert.Equal("10.0.0.1", NetAddress.Parse("10.0.0.1").ToEndpointHost());
        Assert.Equal("(none)", default(NetAddress).ToString());
    }

    [Theory]
    [InlineData("10.99.0.5", 24, "10.99.0.0")]
    [InlineData("10.99.255.255", 16, "10.99.0.0")]
    [InlineData("10.99.0.5", 32, "10.99.0.5")]
    [InlineData("10.99.0.5", 0, "0.0.0.0")]
    [InlineData("fd00::1:2", 64, "fd00::")]
    [InlineData("fd00:1:2:3:4:5:6:7", 72, "fd00:1:2:3::")]
    public void MaskedTo_Prefix_ClearsTheHostBits(string address, int prefix, string expected) =>
        Assert.Equal(NetAddress.Parse(expected), NetAddress.Parse(address).MaskedTo(prefix));
}
