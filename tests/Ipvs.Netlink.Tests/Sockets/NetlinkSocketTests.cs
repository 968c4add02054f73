using Ipvs.Core.Kernel;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;

namespace Ipvs.Netlink.Tests.Sockets;

/// <summary>Against the host's real kernel: netlink works there even though IPVS does not. Read-only.</summary>
public sealed class NetlinkSocketTests
{
    [Fact]
    public void Open_Generic_BindsToAKernelAssignedPortId()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC);

        Assert.NotEqual(0u, socket.PortId);
        Assert.Equal(NetlinkKernel.NETLINK_GENERIC, socket.Protocol);
    }

    [Fact]
    public void Open_TwoSockets_GetDistinctPortIds()
    {
        using NetlinkSocket first = NetlinkSocket.Open(NetlinkKernel.NETLINK_ROUTE);
        using NetlinkSocket second = NetlinkSocket.Open(NetlinkKernel.NETLINK_ROUTE);

        Assert.NotEqual(first.PortId, second.PortId);
    }

    [Fact]
    public void Open_AsRoot_SendLimitHoldsAMegabyteBatch()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC);

        // The tests run as root (SO_SNDBUFFORCE works); unprivileged, wmem_max would cap it.
        Assert.True(socket.MaxSendSize >= NetlinkChannel.DefaultBatchBytes, $"MaxSendSize {socket.MaxSendSize}");
        Assert.True(socket.ReceiveQueueBytes >= 16 * 1024 * 1024, $"ReceiveQueueBytes {socket.ReceiveQueueBytes}");
    }

    [Fact]
    public void Receive_BufferOfAnotherSize_IsRefusedBeforeAnySyscall()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC);

        ArgumentException error = Assert.Throws<ArgumentException>(() => socket.Receive(new byte[4096]));

        Assert.Contains("65536", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, socket.Syscalls);
    }

    [Fact]
    public void Send_LargerThanLimit_IsRefused()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC);

        Assert.Throws<ArgumentException>(() => socket.Send(new byte[socket.MaxSendSize + 1]));
    }

    [Fact]
    public void Receive_NothingArrives_TimesOutWithTypedError()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC, TimeSpan.FromMilliseconds(50));

        NetlinkException error = Assert.Throws<NetlinkException>(() => socket.Receive(new byte[socket.ReceiveSize]));

        Assert.Equal(KernelErrorKind.Timeout, error.Kind);
    }

    [Fact]
    public void OpenInNamespace_OwnNamespace_OpensAWorkingSocket()
    {
        using NetlinkSocket socket = NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_GENERIC, "/proc/self/ns/net");
        using var channel = new NetlinkChannel(socket);

        Assert.Equal(GenericNetlinkKernel.GENL_ID_CTRL, GenericNetlinkResolver.Resolve(channel, "nlctrl").Id);
    }

    [Fact]
    public void OpenInNamespace_MissingPath_ThrowsNamingThePath()
    {
        NetlinkException error = Assert.Throws<NetlinkException>(
            () => NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_GENERIC, "/var/run/netns/ipvs-no-such-namespace"));

        Assert.Contains("/var/run/netns/ipvs-no-such-namespace", error.Message, StringComparison.Ordinal);
        Assert.Equal(SocketKernel.ENOENT, error.Errno);
    }

    [Fact]
    public void OpenInNamespace_PathIsNotANamespace_ThrowsInvalidArgument()
    {
        NetlinkException error = Assert.Throws<NetlinkException>(
            () => NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_GENERIC, "/proc/self/status"));

        Assert.Equal(SocketKernel.EINVAL, error.Errno);
        Assert.Contains("setns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_Twice_IsHarmless()
    {
        NetlinkSocket socket = NetlinkSocket.Open(NetlinkKernel.NETLINK_ROUTE);

        socket.Dispose();
        socket.Dispose();

        Assert.Throws<ObjectDisposedException>(() => socket.Send(new byte[16]));
    }
}
