using Ipvs.Core.Model;
using Ipvs.Netlink.Conntrack;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Conntrack;

public sealed class ConntrackMessagesTests
{
    // The lab's stale flow: a client's datagrams to a node port, DNATed to the VIP, then by IPVS to 10.1.2.2:5300.
    private static readonly ConntrackTuple _original = new(NetAddress.Parse("10.2.2.2"), NetAddress.Parse("10.2.2.1"), 17, 40000, 30053);
    private static readonly ConntrackTuple _reply = new(NetAddress.Parse("10.1.2.2"), NetAddress.Parse("10.2.2.2"), 17, 5300, 40000);

    private const string OriginalTupleHex =
        "34000180"                                      // CTA_TUPLE_ORIG | NLA_F_NESTED, len 52
        + "14000180 08000100 0a020202 08000200 0a020201" // CTA_TUPLE_IP: V4_SRC 10.2.2.2, V4_DST 10.2.2.1
        + "1c000280 05000100 11000000"                  // CTA_TUPLE_PROTO: PROTO_NUM 17
        + "06000200 9c400000 06000300 75650000";        //   SRC_PORT 40000, DST_PORT 30053 (big-endian)

    [Fact]
    public void WriteDelete_Ipv4UdpTuple_MatchesHandDerivedBytes()
    {
        byte[] expected = Hex.Parse(
            "48000000 0201 0500 01000000 00000000"       // len 72, NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE, REQUEST|ACK
            + "02 00 0000"                              // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
            + OriginalTupleHex);

        byte[] actual = Messages.Encode((ref NetlinkWriter w) => ConntrackMessages.WriteDelete(ref w, new ConntrackRequestHeader(1, NetlinkKernel.NLM_F_ACK), _original));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    [Fact]
    public void WriteDelete_ZoneGiven_AppendsCtaZone()
    {
        byte[] actual = Messages.Encode((ref NetlinkWriter w) => ConntrackMessages.WriteDelete(ref w, new ConntrackRequestHeader(1, 0), _original, zone: 7));

        Assert.Equal(80, actual.Length);
        Assert.Equal("0600120000070000", Hex.Format(actual.AsSpan(72))); // CTA_ZONE be16 7, padded
    }

    [Fact]
    public void WriteDump_Ipv6_AsksForEveryEntryOfTheFamily()
    {
        byte[] actual = Messages.Encode((ref NetlinkWriter w) => ConntrackMessages.WriteDump(ref w, new ConntrackRequestHeader(3, 0), IpFamily.V6));

        Assert.Equal(Hex.Format(Hex.Parse("14000000 0101 0103 03000000 00000000 0a 00 0000")), Hex.Format(actual));
    }

    [Fact]
    public void ReadEntry_DumpedEntry_ReadsBothTuplesAndSkipsOtherAttributes()
    {
        byte[] message = Hex.Parse(
            "84000000 0001 0200 05000000 00000000 | 02 00 0000"   // IPCTNL_MSG_CT_NEW, NLM_F_MULTI; AF_INET
            + OriginalTupleHex
            + "34000280 14000180 08000100 0a010202 08000200 0a020202" // CTA_TUPLE_REPLY: 10.1.2.2 -> 10.2.2.2
            + "1c000280 05000100 11000000 06000200 14b40000 06000300 9c400000"
            + "08000300 0000018e");                               // CTA_STATUS: not this model's

        ConntrackEntry? entry = Messages.Decode(message, ConntrackMessages.ReadEntry);

        Assert.Equal(new ConntrackEntry(_original, _reply, 0), entry);
    }

    [Fact]
    public void ReadEntry_AddressOfTheWrongLength_IsADecodeError()
    {
        byte[] message = Hex.Parse("20000000 0001 0200 05000000 00000000 | 02 00 0000 | 10000180 0c000180 08000100 0a0202");

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(message, ConntrackMessages.ReadEntry));
    }

    [Fact]
    public void WriteDelete_ThenReadAsEntry_RoundTripsIpv6()
    {
        var original = new ConntrackTuple(NetAddress.Parse("fd00::2"), NetAddress.Parse("fd00::10"), 17, 1234, 53);
        byte[] request = Messages.Encode((ref NetlinkWriter w) => ConntrackMessages.WriteDelete(ref w, new ConntrackRequestHeader(1, 0), original));
        // The same tuple once more as the reply direction: the decoder reads what the encoder wrote.
        byte[] tuple = request[20..];
        tuple[2] = 2;
        byte[] message = [.. request, .. tuple];
        BitConverter.GetBytes(message.Length).CopyTo(message, 0);

        ConntrackEntry? entry = Messages.Decode(message, ConntrackMessages.ReadEntry);

        Assert.Equal(new ConntrackEntry(original, original, 0), entry);
    }

    [Theory]
    [InlineData("10.1.2.2", 5300, 17, true)]   // the removed server answers a flow sent to the node port
    [InlineData("10.1.2.2", 5301, 17, false)]  // another port of the same host
    [InlineData("10.1.1.2", 5300, 17, false)]  // another server
    [InlineData("10.1.2.2", 5300, 6, false)]   // not the removed service's protocol
    public void IsTranslatedTo_ReplySourceAndProtocol_MatchOnlyTheRemovedServer(string address, int port, int protocol, bool expected)
    {
        var entry = new ConntrackEntry(_original, _reply, 0);

        Assert.Equal(expected, entry.IsTranslatedTo((byte)protocol, new RealServerKey(NetAddress.Parse(address), (ushort)port)));
    }

    [Fact]
    public void IsTranslatedTo_ClientAddressedTheServerItself_IsNotAFlowOfTheVip()
    {
        var direct = new ConntrackEntry(_reply with { Source = _original.Source, Destination = _reply.Source, SourcePort = 40000, DestinationPort = 5300 }, _reply, 0);

        Assert.False(direct.IsTranslatedTo(17, new RealServerKey(NetAddress.Parse("10.1.2.2"), 5300)));
    }
}
