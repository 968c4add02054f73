using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Route;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Route;

public sealed class RouteMessagesTests
{
    private static readonly RouteRequestHeader _ack = new(1, NetlinkKernel.NLM_F_ACK);

    [Fact]
    public void WriteCreateDummyLink_Name_MatchesHandDerivedBytes()
    {
        // `ip link add ipvs0 type dummy` sent the same 60 bytes in the lab, except that it writes IFLA_INFO_KIND
        // without the NUL (nla_len 9); the kernel's NLA_STRING policy accepts both.
        byte[] expected = Hex.Parse(
            "3c000000 1000 0506 01000000 00000000"   // len 60, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            + "00 00 0000 00000000 00000000 00000000" // ifinfomsg: AF_UNSPEC, index 0, no flags
            + "0a000300 69707673 30000000"          // IFLA_IFNAME "ipvs0\0"
            + "10001280"                            // IFLA_LINKINFO | NLA_F_NESTED, len 16
            + "0a000100 64756d6d 79000000");        // IFLA_INFO_KIND "dummy\0"

        byte[] actual = Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteCreateDummyLink(ref w, _ack, "ipvs0"));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    public static TheoryData<string, string> Requests() => new()
    {
        { "up", "20000000 1000 0500 01000000 00000000 | 00 00 0000 05000000 01000000 01000000" },
        { "down", "20000000 1000 0500 01000000 00000000 | 00 00 0000 05000000 00000000 01000000" },
        { "delete by index", "20000000 1100 0500 01000000 00000000 | 00 00 0000 05000000 00000000 00000000" },
        { "delete by name", "2c000000 1100 0500 01000000 00000000 | 00000000 00000000 00000000 00000000 | 0a000300 69707673 30000000" },
        { "get by name", "2c000000 1200 0500 01000000 00000000 | 00000000 00000000 00000000 00000000 | 0a000300 69707673 30000000" },
        { "add v4", "28000000 1400 0506 01000000 00000000 | 02 20 00 00 05000000 | 08000200 0a090909 | 08000100 0a090909" },
        {
            "add v6",
            "40000000 1400 0506 01000000 00000000 | 0a 80 02 00 05000000"
            + "| 14000200 fd000000000000000000000000000009 | 14000100 fd000000000000000000000000000009"
        },
        { "delete v4", "28000000 1500 0500 01000000 00000000 | 02 18 00 00 05000000 | 08000200 0a090909 | 08000100 0a090909" },
        { "dump v4", "18000000 1600 0103 01000000 00000000 | 02 00 00 00 00000000" },
        { "dump all", "18000000 1600 0103 01000000 00000000 | 00 00 00 00 00000000" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Write_EachRequestKind_MatchesExpectedBytes(string kind, string expectedHex)
    {
        var noFlags = new RouteRequestHeader(1, 0);
        byte[] actual = kind switch
        {
            "up" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteSetLinkUp(ref w, _ack, 5)),
            "down" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteSetLinkUp(ref w, _ack, 5, up: false)),
            "delete by index" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteDeleteLink(ref w, _ack, 5)),
            "delete by name" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteDeleteLink(ref w, _ack, "ipvs0")),
            "get by name" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteGetLink(ref w, _ack, "ipvs0")),
            "add v4" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteAddAddress(ref w, _ack, 5, NetAddress.Parse("10.9.9.9"), 32)),
            "add v6" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteAddAddress(ref w, _ack, 5, NetAddress.Parse("fd00::9"), 128)),
            "delete v4" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteDeleteAddress(ref w, _ack, 5, NetAddress.Parse("10.9.9.9"), 24)),
            "dump v4" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteDumpAddresses(ref w, noFlags, IpFamily.V4)),
            "dump all" => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteDumpAddresses(ref w, noFlags)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(actual));
        Assert.InRange(actual.Length, 1, RouteMessages.MaxRequestSize);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("..")]
    public void WriteCreateDummyLink_InvalidName_ThrowsArgumentException(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => Messages.Encode((ref NetlinkWriter w) => RouteMessages.WriteCreateDummyLink(ref w, _ack, name)));
    }

    [Fact]
    public void WriteAddAddress_PrefixTooLong_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Messages.Encode((ref NetlinkWriter w) =>
            RouteMessages.WriteAddAddress(ref w, _ack, 5, NetAddress.Parse("10.0.0.1"), 33)));
    }

    [Fact]
    public void ReadLink_DummyInterface_DecodesIndexNameFlagsAndKind()
    {
        LinkInfo link = Messages.Decode(KernelReplies.Link(7, "ipvs0", 0x100c3, "dummy"), RouteMessages.ReadLink);

        Assert.Equal(new LinkInfo(7, "ipvs0", 0x100c3, "dummy"), link);
        Assert.True(link.IsUp);
    }

    [Fact]
    public void ReadLink_NoLinkInfo_HasNullKind()
    {
        LinkInfo link = Messages.Decode(KernelReplies.Link(1, "lo", 0x8, null), RouteMessages.ReadLink);

        Assert.Null(link.Kind);
        Assert.False(link.IsUp);
    }

    [Theory]
    [InlineData("10.9.9.9", 32)]
    [InlineData("fd00::9", 128)]
    [InlineData("192.168.7.1", 24)]
    public void ReadAddress_KernelDumpEntry_DecodesAddressAndPrefix(string address, byte prefix)
    {
        NetAddress expected = NetAddress.Parse(address);

        InterfaceAddress entry = Messages.Decode(KernelReplies.Address(7, expected, prefix), RouteMessages.ReadAddress);

        Assert.Equal(new InterfaceAddress(7, expected, prefix), entry);
    }

    [Fact]
    public void ReadAddress_WrongMessageType_Throws()
    {
        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(KernelReplies.Link(7, "ipvs0", 0, null), RouteMessages.ReadAddress));
    }

    [Fact]
    public void ReadLink_WithoutName_ThrowsNamingIt()
    {
        byte[] reply = Hex.Parse("20000000 1000 0000 01000000 00000000 | 00 00 0100 07000000 00000000 00000000");

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, RouteMessages.ReadLink));

        Assert.Contains("IFLA_IFNAME", error.Message, StringComparison.Ordinal);
    }
}
