using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Sockets;

/// <summary>
/// One AF_NETLINK socket, bound to the network namespace it was created in for its whole life.
/// Blocking, one datagram per call; not thread-safe (one owner issues one request at a time).
/// </summary>
/// <remarks>
/// Receives read ahead: one <c>recvmmsg</c> takes every datagram already queued (up to <see cref="ReceiveSlots"/>).
/// A dump's last data and its NLMSG_DONE, which the kernel queues while the data is being read, then cost one
/// syscall instead of two; in the lab's user-mode kernel a syscall costs tens of microseconds, more than parsing.
/// </remarks>
public sealed class NetlinkSocket : INetlinkTransport
{
    /// <summary>
    /// The one receive size used on every socket. The kernel sizes dump replies from the largest receive buffer a
    /// socket has used (capped at 32 KiB), so a smaller later receive would silently truncate a dump.
    /// </summary>
    public const int DefaultReceiveSize = 64 * 1024;

    /// <summary>Datagrams one receive syscall may take: a 10k-service dump arrives in ~50 datagrams of up to 32 KiB.</summary>
    public const int ReceiveSlots = 8;

    /// <summary>Socket buffers asked for: room for a 1 MiB batch and for thousands of error replies.</summary>
    private const int WantedSendBuffer = 4 * 1024 * 1024;
    private const int WantedReceiveBuffer = 32 * 1024 * 1024;

    // The kernel refuses a datagram larger than sk_sndbuf minus this headroom (netlink_sendmsg).
    private const int SendHeadroom = 32;

    private readonly NetlinkSocketHandle _handle;
    private readonly string _description;
    private readonly byte[] _slots = new byte[ReceiveSlots * DefaultReceiveSize];
    private readonly int[] _slotLengths = new int[ReceiveSlots];
    private readonly SockAddrNl[] _slotSenders = new SockAddrNl[ReceiveSlots];
    private readonly int[] _slotFlags = new int[ReceiveSlots];
    private int _slotsFilled;
    private int _nextSlot;
    private long _syscalls;

    private NetlinkSocket(NetlinkSocketHandle handle, int protocol, string description, TimeSpan receiveTimeout)
    {
        _handle = handle;
        Protocol = protocol;
        _description = description;
        ReceiveTimeout = receiveTimeout;
        Configure();
    }

    public int Protocol { get; }

    public uint PortId { get; private set; }

    public int MaxSendSize { get; private set; }

    public int ReceiveQueueBytes { get; private set; }

    public int ReceiveSize => DefaultReceiveSize;

    public long Syscalls => Interlocked.Read(ref _syscalls);

    /// <summary>How long <see cref="Receive"/> waits for the kernel before giving up.</summary>
    public TimeSpan ReceiveTimeout { get; }

    /// <summary>Opens a socket of <paramref name="protocol"/> (NETLINK_GENERIC, NETLINK_ROUTE) in the caller's network namespace.</summary>
    public static NetlinkSocket Open(int protocol, TimeSpan? receiveTimeout = null)
    {
        NetlinkSocketHandle handle = CreateHandle(protocol);
        return Wrap(handle, protocol, $"netlink protocol {protocol}", receiveTimeout);
    }

    /// <summary>
    /// Opens a socket of <paramref name="protocol"/> inside the network namespace at <paramref name="namespacePath"/>
    /// (<c>/var/run/netns/NAME</c> or <c>/proc/PID/ns/net</c>). The switch happens on a short-lived thread of its own,
    /// so no other thread of the process ever runs in the other namespace.
    /// </summary>
    public static NetlinkSocket OpenInNamespace(int protocol, string namespacePath, TimeSpan? receiveTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespacePath);
        NetlinkSocketHandle? handle = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                handle = CreateHandleInNamespace(protocol, namespacePath);
            }
#pragma warning disable CA1031 // Rethrown on the calling thread below.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = exception;
            }
        })
        {
            IsBackground = true,
            Name = "netns-socket",
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return Wrap(handle!, protocol, $"netlink protocol {protocol} in {namespacePath}", receiveTimeout);
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxSendSize)
        {
            throw new ArgumentException(
                $"A {datagram.Length}-byte datagram exceeds this socket's send limit of {MaxSendSize} bytes.", nameof(datagram));
        }

        Interlocked.Increment(ref _syscalls);
        long sent = Interop.SendToKernel(_handle, datagram);
        if (sent < 0)
        {
            throw NetlinkErrors.Create((int)-sent, NetlinkRequestKind.Other, $"sendto on {_description}");
        }

        if (sent != datagram.Length)
        {
            throw new NetlinkException($"sendto on {_description} sent {sent} of {datagram.Length} bytes.");
        }
    }

    public int Receive(Span<byte> buffer)
    {
        if (buffer.Length != DefaultReceiveSize)
        {
            throw new ArgumentException(
                $"Receive buffers must be exactly {DefaultReceiveSize} bytes (got {buffer.Length}): a smaller one can truncate dumps.",
                nameof(buffer));
        }

        while (true)
        {
            if (_nextSlot == _slotsFilled)
            {
                ReceiveQueued();
            }

            int slot = _nextSlot++;
            if (_slotSenders[slot].PortId != 0)
            {
                // Only the kernel (port 0) may talk to us; another process's datagram is dropped, not parsed.
                continue;
            }

            int length = _slotLengths[slot];
            if ((_slotFlags[slot] & SocketKernel.MSG_TRUNC) != 0)
            {
                throw new NetlinkException(
                    $"recvmsg on {_description}: a {length}-byte reply did not fit the {buffer.Length}-byte buffer (MSG_TRUNC).");
            }

            _slots.AsSpan(slot * DefaultReceiveSize, length).CopyTo(buffer);
            return length;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Blocks for one datagram and takes every other one already queued behind it.</summary>
    private void ReceiveQueued()
    {
        Interlocked.Increment(ref _syscalls);
        int received = Interop.ReceiveMany(_handle, _slots, DefaultReceiveSize, _slotLengths, _slotSenders, _slotFlags);
        if (received < 0)
        {
            int errno = -received;
            throw errno == SocketKernel.EAGAIN
                ? NetlinkErrors.Timeout($"recvmsg on {_description}", ReceiveTimeout)
                : NetlinkErrors.Create(errno, NetlinkRequestKind.Other, $"recvmsg on {_description}");
        }

        _slotsFilled = received;
        _nextSlot = 0;
    }

    private static NetlinkSocket Wrap(NetlinkSocketHandle handle, int protocol, string description, TimeSpan? receiveTimeout)
    {
        try
        {
            return new NetlinkSocket(handle, protocol, description, receiveTimeout ?? TimeSpan.FromSeconds(30));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static NetlinkSocketHandle CreateHandle(int protocol)
    {
        int fd = Interop.Socket(NetlinkKernel.AF_NETLINK, SocketKernel.SOCK_RAW | SocketKernel.SOCK_CLOEXEC, protocol);
        return fd >= 0
            ? new NetlinkSocketHandle(fd)
            : throw NetlinkErrors.Create(-fd, NetlinkRequestKind.Other, $"socket(AF_NETLINK, SOCK_RAW, {protocol})");
    }

    private static NetlinkSocketHandle CreateHandleInNamespace(int protocol, string namespacePath)
    {
        int home = Interop.OpenReadOnly("/proc/thread-self/ns/net");
        if (home < 0)
        {
            throw NetlinkErrors.Create(-home, NetlinkRequestKind.Other, "open /proc/thread-self/ns/net");
        }

        try
        {
            int target = Interop.OpenReadOnly(namespacePath);
            if (target < 0)
            {
                throw NetlinkErrors.Create(-target, NetlinkRequestKind.Other, $"open network namespace {namespacePath}");
            }

            try
            {
                int entered = Interop.SetNetworkNamespace(target);
                if (entered < 0)
                {
                    throw NetlinkErrors.Create(-entered, NetlinkRequestKind.Other, $"setns into {namespacePath}");
                }
            }
            finally
            {
                Interop.Close(target);
            }

            NetlinkSocketHandle? handle = null;
            NetlinkException? failure = null;
            try
            {
                handle = CreateHandle(protocol);
            }
            catch (NetlinkException exception)
            {
                failure = exception;
            }

            int back = Interop.SetNetworkNamespace(home);
            if (back < 0)
            {
                // The thread is ours alone and ends right after, but the failure still must not pass silently.
                handle?.Dispose();
                throw NetlinkErrors.Create(-back, NetlinkRequestKind.Other, "setns back to the original network namespace");
            }

            return handle ?? throw failure!;
        }
        finally
        {
            Interop.Close(home);
        }
    }

    private void Configure()
    {
        var any = new SockAddrNl { Family = NetlinkKernel.AF_NETLINK };
        int status = Interop.Bind(_handle, any);
        if (status < 0)
        {
            throw NetlinkErrors.Create(-status, NetlinkRequestKind.Other, $"bind on {_description}");
        }

        status = Interop.GetSockName(_handle, out SockAddrNl bound);
        if (status < 0)
        {
            throw NetlinkErrors.Create(-status, NetlinkRequestKind.Other, $"getsockname on {_description}");
        }

        PortId = bound.PortId;

        // Both are optional niceties (extended-ACK text, ACKs without the echoed request): old kernels lack them.
        _ = Interop.SetSockOpt(_handle, NetlinkKernel.SOL_NETLINK, NetlinkKernel.NETLINK_EXT_ACK, 1);
        _ = Interop.SetSockOpt(_handle, NetlinkKernel.SOL_NETLINK, NetlinkKernel.NETLINK_CAP_ACK, 1);

        SetBuffer(SocketKernel.SO_SNDBUFFORCE, SocketKernel.SO_SNDBUF, WantedSendBuffer);
        SetBuffer(SocketKernel.SO_RCVBUFFORCE, SocketKernel.SO_RCVBUF, WantedReceiveBuffer);
        MaxSendSize = ReadBuffer(SocketKernel.SO_SNDBUF) - SendHeadroom;
        ReceiveQueueBytes = ReadBuffer(SocketKernel.SO_RCVBUF);

        long microseconds = (long)(ReceiveTimeout.TotalMilliseconds * 1000);
        var timeout = new TimeValue { Seconds = microseconds / 1_000_000, Microseconds = microseconds % 1_000_000 };
        status = Interop.SetSockOpt(_handle, SocketKernel.SOL_SOCKET, SocketKernel.SO_RCVTIMEO, timeout);
        if (status < 0)
        {
            throw NetlinkErrors.Create(-status, NetlinkRequestKind.Other, $"setsockopt SO_RCVTIMEO on {_description}");
        }
    }

    /// <summary>The FORCE variant ignores rmem_max/wmem_max but needs CAP_NET_ADMIN; without it, take what the limit allows.</summary>
    private void SetBuffer(int forceOption, int option, int bytes)
    {
        if (Interop.SetSockOpt(_handle, SocketKernel.SOL_SOCKET, forceOption, bytes) < 0)
        {
            _ = Interop.SetSockOpt(_handle, SocketKernel.SOL_SOCKET, option, bytes);
        }
    }

    private int ReadBuffer(int option)
    {
        int status = Interop.GetSockOpt(_handle, SocketKernel.SOL_SOCKET, option, out int value);
        return status < 0
            ? throw NetlinkErrors.Create(-status, NetlinkRequestKind.Other, $"getsockopt {option} on {_description}")
            : value;
    }
}
