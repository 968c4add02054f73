using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Sockets;

/// <summary>
/// Against the host's real kernel: a reply and its ACK are queued by the time the request's send returns, so one
/// receive syscall takes both (the lab's user-mode kernel charges tens of microseconds per syscall).
/// </summary>
public sealed class NetlinkSocketReadAheadTests
{
    [Fact]
    public void Receive_ReplyAndAckQueuedTogether_HandsThemOutInOrderFromOneSyscall()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC);
        byte[] request = new byte[256];
        var writer = new NetlinkWriter(request);
        GenericNetlinkMessages.WriteGetFamily(ref writer, 7, "nlctrl");
        socket.Send(writer.Written);
        byte[] buffer = new byte[socket.ReceiveSize];

        NetlinkHeader reply = FirstHeader(buffer.AsSpan(0, socket.Receive(buffer)));
        NetlinkHeader ack = FirstHeader(buffer.AsSpan(0, socket.Receive(buffer)));

        Assert.Equal((GenericNetlinkKernel.GENL_ID_CTRL, 7u), (reply.Type, reply.Sequence));
        Assert.Equal((NetlinkKernel.NLMSG_ERROR, 7u), (ack.Type, ack.Sequence));
        Assert.Equal(2, socket.Syscalls);
    }

    private static NetlinkHeader FirstHeader(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        return message.Header;
    }
}
