using Ipvs.Dns.Responder;
using Ipvs.Dns.Tests.Support;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Tests.Responder;

/// <summary>Each kind of answer, byte for byte, laid out by hand from RFC 1035, 2308, 2782, 3596 and 6891.</summary>
public sealed class DnsResponderGoldenTests
{
    // web.ipvs.internal, nope.ipvs.internal, dns.ipvs.internal and the apex in wire form.
    private const string Web = "03 776562 04 69707673 08 696e7465726e616c 00";
    private const string Nope = "04 6e6f7065 04 69707673 08 696e7465726e616c 00";
    private const string DnsHost = "03 646e73 04 69707673 08 696e7465726e616c 00";
    private const string SrvName = "04 5f776562 04 5f746370 04 69707673 08 696e7465726e616c 00";

    // SOA RDATA after MNAME: RNAME hostmaster.<pointer to the apex>, SERIAL 7, REFRESH 3600, RETRY 600, EXPIRE 86400, MINIMUM 5.
    private const string SoaNumbers = "00000007 00000e10 00000258 00015180 00000005";
    private const string Hostmaster = "0a 686f73746d6173746572";

    private static readonly DnsResponder Responder = new(TestZones.Standard(), canForward: false);

    [Fact]
    public void Respond_KnownNameA_AuthoritativeAnswerPointingAtTheQuestion() => AssertResponse(
        TestZones.Query("web.ipvs.internal", DnsRecordType.A),
        $"1234 8500 0001 0001 0000 0000 | {Web} 0001 0001 | c00c 0001 0001 00000005 0004 0a63000a");

    [Fact]
    public void Respond_KnownNameAaaa_TheIpv6Vip() => AssertResponse(
        TestZones.Query("web.ipvs.internal", DnsRecordType.Aaaa),
        $"1234 8500 0001 0001 0000 0000 | {Web} 001c 0001 | c00c 001c 0001 00000005 0010 fd000000000000000000000000000010");

    [Fact]
    public void Respond_Srv_OneRecordPerPortUncompressedTargetAndAddressesInAdditional() => AssertResponse(
        TestZones.Query("_web._tcp.ipvs.internal", DnsRecordType.Srv),
        $"1234 8500 0001 0002 0000 0002 | {SrvName} 0021 0001"
        + $" | c00c 0021 0001 00000005 0019 0000 0001 0050 {Web}"
        + $" | c00c 0021 0001 00000005 0019 0000 0001 01bb {Web}"
        + " | c03b 0001 0001 00000005 0004 0a63000a"
        + " | c03b 001c 0001 00000005 0010 fd000000000000000000000000000010");

    [Fact]
    public void Respond_UnknownName_NxdomainWithTheSoa() => AssertResponse(
        TestZones.Query("nope.ipvs.internal", DnsRecordType.A),
        $"1234 8503 0001 0000 0001 0000 | {Nope} 0001 0001 | c011 0006 0001 00000005 0023 c011 {Hostmaster} c011 {SoaNumbers}");

    [Fact]
    public void Respond_KnownNameWithoutTheType_NodataWithTheSoa() => AssertResponse(
        TestZones.Query("dns.ipvs.internal", DnsRecordType.Aaaa),
        $"1234 8500 0001 0000 0001 0000 | {DnsHost} 001c 0001 | c010 0006 0001 00000005 0023 c010 {Hostmaster} c010 {SoaNumbers}");

    [Fact]
    public void Respond_TwoQuestions_FormerrWithoutQuestion() => AssertResponse(
        Hex.Parse($"1234 0100 0002 0000 0000 0000 | {Web} 0001 0001 | {Web} 0001 0001"),
        "1234 8101 0000 0000 0000 0000");

    [Fact]
    public void Respond_StatusOpcode_NotimpEchoingTheQuestion() => AssertResponse(
        Hex.Parse($"1234 1000 0001 0000 0000 0000 | {Web} 0001 0001"),
        $"1234 9004 0001 0000 0000 0000 | {Web} 0001 0001");

    [Fact]
    public void Respond_OutOfZoneWithoutUpstreams_Refused() => AssertResponse(
        TestZones.Query("web.example", DnsRecordType.A),
        "1234 8105 0001 0000 0000 0000 | 03776562 076578616d706c65 00 0001 0001");

    [Fact]
    public void Respond_Edns_EchoesOptWithOurSize() => AssertResponse(
        TestZones.Query("web.ipvs.internal", DnsRecordType.A, ednsSize: 4096),
        $"1234 8500 0001 0001 0000 0001 | {Web} 0001 0001 | c00c 0001 0001 00000005 0004 0a63000a | 00 0029 04d0 00000000 0000");

    [Fact]
    public void Respond_EdnsVersion1_BadversInTheOpt() => AssertResponse(
        Hex.Parse($"1234 0100 0001 0000 0000 0001 | {Web} 0001 0001 | 00 0029 1000 00010000 0000"),
        $"1234 8100 0001 0000 0000 0001 | {Web} 0001 0001 | 00 0029 04d0 01000000 0000");

    [Fact]
    public void Respond_MixedCase_EchoesTheQuestionAsAsked()
    {
        byte[] query = TestZones.Query("WeB.IPVS.internal", DnsRecordType.A);
        AssertResponse(query,
            "1234 8500 0001 0001 0000 0000 | 03 576542 04 49505653 08 696e7465726e616c 00 0001 0001 | c00c 0001 0001 00000005 0004 0a63000a");
    }

    [Fact]
    public void Respond_UdpAnswerOver512_TruncatedEmptyAnswer()
    {
        var responder = new DnsResponder(TestZones.Big(40), canForward: false);
        byte[] response = new byte[DnsResponder.MaxTcpMessage];

        DnsReply reply = responder.Respond(TestZones.Query("_big._tcp.ipvs.internal", DnsRecordType.Srv), response, DnsTransport.Udp);

        Assert.Equal(
            "1234 8700 0001 0000 0000 0000 | 04 5f626967 04 5f746370 04 69707673 08 696e7465726e616c 00 0021 0001".Replace(" ", "", StringComparison.Ordinal).Replace("|", "", StringComparison.Ordinal),
            Hex.Format(response.AsSpan(0, reply.Length)));
    }

    [Fact]
    public void Respond_SameAnswerOverTcp_AllRecords()
    {
        var responder = new DnsResponder(TestZones.Big(40), canForward: false);
        byte[] response = new byte[DnsResponder.MaxTcpMessage];

        DnsReply reply = responder.Respond(TestZones.Query("_big._tcp.ipvs.internal", DnsRecordType.Srv), response, DnsTransport.Tcp);

        Assert.True(DnsHeader.TryRead(response.AsSpan(0, reply.Length), out DnsHeader header));
        Assert.Equal(40, header.AnswerCount);
        Assert.False(header.IsTruncated);
        Assert.True(reply.Length > 512, $"{reply.Length} bytes");
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234 0100 0001")]
    [InlineData("1234 8100 0001 0000 0000 0000 03776562 00 0001 0001")] // a response: never answered
    public void Respond_RuntOrResponse_Dropped(string hex)
    {
        DnsReply reply = Responder.Respond(Hex.Parse(hex), new byte[512], DnsTransport.Udp);

        Assert.Equal(DnsReplyKind.Drop, reply.Kind);
    }

    [Fact]
    public void Respond_OutOfZoneWithUpstreams_Forward()
    {
        var responder = new DnsResponder(TestZones.Standard(), canForward: true);

        DnsReply reply = responder.Respond(TestZones.Query("web.example", DnsRecordType.A, ednsSize: 1400), new byte[DnsResponder.MaxUdpResponse], DnsTransport.Udp);

        Assert.Equal(DnsReplyKind.Forward, reply.Kind);
        Assert.Equal(1400, reply.SizeLimit);
    }

    private static void AssertResponse(byte[] query, string expectedHex)
    {
        byte[] response = new byte[DnsResponder.MaxUdpResponse];

        DnsReply reply = Responder.Respond(query, response, DnsTransport.Udp);

        Assert.Equal(DnsReplyKind.Answer, reply.Kind);
        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(response.AsSpan(0, reply.Length)));
    }
}
