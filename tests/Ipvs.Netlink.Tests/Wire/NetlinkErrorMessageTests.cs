using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Wire;

public sealed class NetlinkErrorMessageTests
{
    private static readonly byte[] _request = Messages.Encode((ref NetlinkWriter w) => GenericNetlinkMessages.WriteGetFamily(ref w, 77, "IPVS"));

    [Fact]
    public void Read_CappedAck_ReturnsZeroErrnoAndRequestSequence()
    {
        byte[] reply = KernelReplies.Error(0, _request, capped: true);

        NetlinkError error = Messages.Decode(reply, NetlinkErrorMessage.Read);

        Assert.Equal(new NetlinkError(0, 77, null, null), error);
        Assert.True(error.IsAck);
        Assert.True(Messages.Decode(reply, NetlinkErrorMessage.IsAck));
    }

    [Fact]
    public void Read_UncappedErrorWithExtendedAck_ReturnsPositiveErrnoTextAndOffset()
    {
        byte[] reply = KernelReplies.Error(22, _request, capped: false, text: "Invalid argument here", offset: 20);

        NetlinkError error = Messages.Decode(reply, NetlinkErrorMessage.Read);

        Assert.Equal(new NetlinkError(22, 77, "Invalid argument here", 20u), error);
        Assert.False(Messages.Decode(reply, NetlinkErrorMessage.IsAck));
    }

    [Fact]
    public void Read_CappedErrorWithExtendedAck_FindsAttributesAfterEchoedHeader()
    {
        byte[] reply = KernelReplies.Error(2, _request, capped: true, text: "no such family");

        NetlinkError error = Messages.Decode(reply, NetlinkErrorMessage.Read);

        Assert.Equal(2, error.Errno);
        Assert.Equal("no such family", error.Message);
        Assert.Null(error.Offset);
    }

    [Fact]
    public void Read_NotAnErrorMessage_Throws()
    {
        byte[] reply = KernelReplies.Info(1, 2);

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, NetlinkErrorMessage.Read));
        Assert.False(Messages.Decode(reply, NetlinkErrorMessage.IsAck));
    }

    [Fact]
    public void Read_TruncatedPayload_Throws()
    {
        byte[] reply = Hex.Parse("18000000 0200 0001 01000000 00000000 | 00000000 01000000");

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, NetlinkErrorMessage.Read));

        Assert.Contains("NLMSG_ERROR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EchoedLengthBeyondPayload_Throws()
    {
        byte[] reply = KernelReplies.Error(22, _request, capped: false, text: "x");
        reply[20] = 0xff; // the echoed request's nlmsg_len

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, NetlinkErrorMessage.Read));
    }

    [Fact]
    public void Read_PositiveError_Throws()
    {
        byte[] reply = KernelReplies.Error(-5, _request, capped: true);

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, NetlinkErrorMessage.Read));
    }
}
