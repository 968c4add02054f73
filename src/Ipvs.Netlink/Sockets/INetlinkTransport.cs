namespace Ipvs.Netlink.Sockets;

/// <summary>
/// A datagram pipe to the kernel's netlink side: what the request engine needs from a socket, so its sequence
/// bookkeeping and batching can be tested against a scripted kernel.
/// </summary>
public interface INetlinkTransport : IDisposable
{
    /// <summary>This end's port id; the kernel addresses every reply to it.</summary>
    uint PortId { get; }

    /// <summary>The largest datagram <see cref="Send"/> accepts (the kernel rejects larger ones with EMSGSIZE).</summary>
    int MaxSendSize { get; }

    /// <summary>Bytes the kernel may queue for us before it drops replies (ENOBUFS).</summary>
    int ReceiveQueueBytes { get; }

    /// <summary>Size every receive buffer handed to <see cref="Receive"/> must have.</summary>
    int ReceiveSize { get; }

    /// <summary>Syscalls made so far (sends + receives), for benchmarks.</summary>
    long Syscalls { get; }

    /// <summary>Sends one datagram holding one or more whole messages.</summary>
    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>Blocks for one datagram from the kernel and returns its length.</summary>
    int Receive(Span<byte> buffer);
}
