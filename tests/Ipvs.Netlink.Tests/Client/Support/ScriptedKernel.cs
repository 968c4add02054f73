using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Client.Support;

/// <summary>
/// A transport that answers like the kernel's netlink_rcv_skb: every request is processed in order, an NLMSG_ERROR
/// goes back for each failure and for each request with NLM_F_ACK, each reply as its own datagram.
/// </summary>
internal sealed class ScriptedKernel : INetlinkTransport
{
    private readonly Queue<byte[]> _replies = new();
    private int _requestsSeen;

    public ScriptedKernel(int maxSendSize = 1024 * 1024, int receiveQueueBytes = 64 * 1024 * 1024)
    {
        MaxSendSize = maxSendSize;
        ReceiveQueueBytes = receiveQueueBytes;
    }

    public uint PortId { get; init; } = 4242;

    public int MaxSendSize { get; }

    public int ReceiveQueueBytes { get; }

    public int ReceiveSize => 64 * 1024;

    public long Syscalls { get; private set; }

    /// <summary>Errno for the n-th request ever sent (0-based), 0 for success.</summary>
    public Func<int, int> ErrnoFor { get; set; } = _ => 0;

    /// <summary>Answers (before the ACK) to a request, like a GET's reply; none by default.</summary>
    public Func<NetlinkHeader, byte[][]> RepliesFor { get; set; } = _ => [];

    /// <summary>Each datagram sent, with the header of every message in it.</summary>
    public List<List<NetlinkHeader>> Sent { get; } = [];

    /// <summary>Each datagram sent, byte for byte (for golden-bytes tests of whole batches).</summary>
    public List<byte[]> SentBytes { get; } = [];

    public bool Disposed { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        Syscalls++;
        SentBytes.Add(datagram.ToArray());
        List<NetlinkHeader> headers = [];
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            headers.Add(message.Header);
            int errno = ErrnoFor(_requestsSeen++);
            if (errno == 0)
            {
                foreach (byte[] reply in RepliesFor(message.Header))
                {
                    Enqueue(reply);
                }
            }

            if (errno != 0 || message.Header.HasFlag(NetlinkKernel.NLM_F_ACK))
            {
                Enqueue(ErrorReply(message.Header, errno, PortId));
            }
        }

        Sent.Add(headers);
    }

    /// <summary>When set, every receive fails with this errno, like a socket whose queue overflowed (ENOBUFS).</summary>
    public int? ReceiveErrno { get; set; }

    public int Receive(Span<byte> buffer)
    {
        Syscalls++;
        if (ReceiveErrno is int errno)
        {
            throw NetlinkErrors.Create(errno, NetlinkRequestKind.Other, "recvmsg on the scripted kernel");
        }

        byte[] next = _replies.Count > 0 ? _replies.Dequeue() : throw new InvalidOperationException("The scripted kernel has nothing more to say.");
        next.CopyTo(buffer);
        return next.Length;
    }

    public void Enqueue(byte[] datagram) => _replies.Enqueue(datagram);

    public void Dispose() => Disposed = true;

    /// <summary>An NLMSG_ERROR (capped, no TLVs) answering <paramref name="request"/> with <paramref name="errno"/>.</summary>
    public static byte[] ErrorReply(NetlinkHeader request, int errno, uint portId)
    {
        byte[] buffer = new byte[NetlinkHeader.Size + NetlinkErrorMessage.FixedSize];
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(NetlinkKernel.NLMSG_ERROR, NetlinkKernel.NLM_F_CAPPED, request.Sequence, portId);
        int negated = -errno;
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in negated)));
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<NetlinkHeader>(in request)));
        writer.EndMessage(start);
        return buffer;
    }

    /// <summary>A reply message of <paramref name="type"/> carrying one u32 attribute (type 1) with <paramref name="value"/>.</summary>
    public static byte[] Reply(ushort type, ushort flags, uint sequence, uint portId, uint value)
    {
        byte[] buffer = new byte[64];
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(type, flags, sequence, portId);
        writer.WriteGenericHeader(1, 1);
        writer.WriteU32(1, value);
        writer.EndMessage(start);
        return buffer[..writer.Length];
    }

    /// <summary>NLMSG_DONE for a dump, carrying <paramref name="status"/> (0 or a negated errno).</summary>
    public static byte[] Done(uint sequence, uint portId, int status = 0, ushort flags = NetlinkKernel.NLM_F_MULTI)
    {
        byte[] buffer = new byte[NetlinkHeader.Size + sizeof(int)];
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(NetlinkKernel.NLMSG_DONE, flags, sequence, portId);
        writer.WriteRaw(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in status)));
        writer.EndMessage(start);
        return buffer;
    }
}
