using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Client;

/// <summary>Writes one request into the send buffer with the sequence number it must carry.</summary>
public delegate void RequestWriter(ref NetlinkWriter writer, uint sequence);

/// <summary>Writes request <paramref name="index"/> of a batch; <paramref name="ackFlag"/> is NLM_F_ACK or 0, to pass on to the encoder.</summary>
public delegate void BatchRequestWriter(ref NetlinkWriter writer, int index, uint sequence, ushort ackFlag);

/// <summary>Receives one reply message of a request or dump.</summary>
public delegate void ReplyHandler(in NetlinkMessage message);

/// <summary>Decodes one reply message into a value.</summary>
public delegate T ReplyReader<out T>(in NetlinkMessage message);

/// <summary>How a batch asks the kernel for acknowledgements.</summary>
public enum BatchMode
{
    /// <summary>Many requests per datagram, NLM_F_ACK only on the last of each: the kernel reports only failures and that one ACK.</summary>
    Batched,
    /// <summary>One request per datagram, each acknowledged before the next is sent (the slow reference).</summary>
    PerAck,
}

/// <summary>One request of a batch that the kernel rejected.</summary>
public readonly record struct BatchFailure(int Index, NetlinkError Error);

/// <summary>What happened to a batch: every failure (by request index) and the datagrams it took.</summary>
public sealed record BatchOutcome(int Count, IReadOnlyList<BatchFailure> Failures, int Datagrams);

/// <summary>
/// The request engine over one socket: numbers requests, sends them, and reads replies back to the right request,
/// checking every reply's port id and sequence. Not thread-safe: one request, dump or batch at a time.
/// </summary>
public sealed class NetlinkChannel : IDisposable
{
    /// <summary>Upper end of the batch sizes measured to be optimal (64 KiB .. 1 MiB).</summary>
    public const int DefaultBatchBytes = 1024 * 1024;

    public const int MaxDumpAttempts = 5;

    // What one queued error reply may cost in the receive queue (skb overhead included), to size batches so the
    // kernel never has to drop a failure report for lack of room.
    private const int ReceiveQueueCostPerReply = 1024;

    private readonly INetlinkTransport _transport;
    private readonly byte[] _receiveBuffer;
    private readonly byte[] _sendBuffer;
    private uint _nextSequence = 1;

    public NetlinkChannel(INetlinkTransport transport, int batchBytes = DefaultBatchBytes)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchBytes, NetlinkWriter.MaxMessageReserve * 2);
        _transport = transport;
        _receiveBuffer = new byte[transport.ReceiveSize];
        _sendBuffer = new byte[Math.Min(batchBytes, transport.MaxSendSize)];
        MaxRequestsPerBatch = Math.Max(1, transport.ReceiveQueueBytes / ReceiveQueueCostPerReply);
    }

    public INetlinkTransport Transport => _transport;

    /// <summary>Requests per datagram are capped so the failure replies of a whole batch fit the receive queue.</summary>
    public int MaxRequestsPerBatch { get; }

    public int BatchBytes => _sendBuffer.Length;

    /// <summary>Sends one request that asks for an ACK and waits for it; other replies to it go to <paramref name="onReply"/>.</summary>
    public void Execute(RequestWriter write, NetlinkRequestKind kind, OperationName operation, ReplyHandler? onReply = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        uint sequence = SendOne(write);
        while (true)
        {
            int length = _transport.Receive(_receiveBuffer);
            var reader = new NetlinkMessageReader(_receiveBuffer.AsSpan(0, length));
            while (reader.TryRead(out NetlinkMessage message))
            {
                if (!IsCurrent(message.Header, sequence, sequence))
                {
                    continue;
                }

                if (NetlinkErrorMessage.IsError(message))
                {
                    NetlinkError error = NetlinkErrorMessage.Read(message);
                    if (!error.IsAck)
                    {
                        throw NetlinkErrors.Create(error.Errno, kind, operation.ToString(), error.Message);
                    }

                    return;
                }

                onReply?.Invoke(message);
            }
        }
    }

    /// <summary>
    /// Sends a dump request and hands every reply to <paramref name="onReply"/>. When the kernel flags the dump as
    /// interrupted by a concurrent change, <paramref name="onRestart"/> discards what was collected and the dump
    /// runs again, up to <see cref="MaxDumpAttempts"/> times.
    /// </summary>
    /// <returns>
    /// How many datagrams carried the replies (of the attempt that completed). The kernel fills one datagram per
    /// call of the family's dump function, under that family's lock; more than one means the table could change
    /// between them, which a family that never sets NLM_F_DUMP_INTR (IPVS) does not report.
    /// </returns>
    public int Dump(RequestWriter write, NetlinkRequestKind kind, OperationName operation, ReplyHandler onReply, Action onRestart)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(onReply);
        ArgumentNullException.ThrowIfNull(onRestart);
        for (int attempt = 1; attempt <= MaxDumpAttempts; attempt++)
        {
            if (attempt > 1)
            {
                onRestart();
            }

            if (!DumpOnce(write, kind, operation, onReply, out int chunks))
            {
                return chunks;
            }
        }

        throw NetlinkErrors.DumpInterrupted(operation.ToString(), MaxDumpAttempts);
    }

    /// <summary>
    /// Sends <paramref name="count"/> requests and reports which ones the kernel rejected. Not atomic: every request
    /// is tried, whatever happened to the others.
    /// </summary>
    public BatchOutcome RunBatch(int count, BatchRequestWriter write, BatchMode mode)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        List<BatchFailure> failures = [];
        int datagrams = 0;
        int next = 0;
        while (next < count)
        {
            int first = next;
            uint firstSequence = _nextSequence;
            var writer = new NetlinkWriter(_sendBuffer);
            int lastStart = 0;
            int limit = mode == BatchMode.PerAck ? 1 : MaxRequestsPerBatch;
            while (next < count && next - first < limit && (next == first || writer.Remaining >= NetlinkWriter.MaxMessageReserve))
            {
                lastStart = writer.Length;
                write(ref writer, next, _nextSequence++, mode == BatchMode.PerAck ? NetlinkKernel.NLM_F_ACK : (ushort)0);
                next++;
            }

            uint lastSequence = _nextSequence - 1;
            RequestAck(_sendBuffer.AsSpan(lastStart));
            _transport.Send(writer.Written);
            datagrams++;
            try
            {
                ReadBatchReplies(first, firstSequence, lastSequence, failures);
            }
            catch (NetlinkException exception) when (exception.Errno == SocketKernel.ENOBUFS)
            {
                throw new NetlinkException(
                    $"The kernel dropped replies to requests {first}..{next - 1} of a batch (ENOBUFS: receive queue of {_transport.ReceiveQueueBytes} bytes full): " +
                    $"which of them failed is unknown; requests before {first} were reported, none after {next - 1} was sent. Re-read the table.",
                    exception);
            }
        }

        return new BatchOutcome(count, failures, datagrams);
    }

    public void Dispose() => _transport.Dispose();

    /// <summary>Sets NLM_F_ACK on the message at the start of <paramref name="message"/> after it was written.</summary>
    private static void RequestAck(Span<byte> message)
    {
        Span<byte> flags = message.Slice(6, sizeof(ushort));
        MemoryMarshal.Write(flags, (ushort)(MemoryMarshal.Read<ushort>(flags) | NetlinkKernel.NLM_F_ACK));
    }

    private void ReadBatchReplies(int firstIndex, uint firstSequence, uint lastSequence, List<BatchFailure> failures)
    {
        while (true)
        {
            int length = _transport.Receive(_receiveBuffer);
            var reader = new NetlinkMessageReader(_receiveBuffer.AsSpan(0, length));
            while (reader.TryRead(out NetlinkMessage message))
            {
                if (!IsCurrent(message.Header, firstSequence, lastSequence) || !NetlinkErrorMessage.IsError(message))
                {
                    continue;
                }

                NetlinkError error = NetlinkErrorMessage.Read(message);
                if (!error.IsAck)
                {
                    failures.Add(new BatchFailure(firstIndex + (int)(message.Header.Sequence - firstSequence), error));
                }

                if (message.Header.Sequence == lastSequence)
                {
                    return;
                }
            }
        }
    }

    /// <returns>True when the dump was interrupted and must run again.</returns>
    private bool DumpOnce(RequestWriter write, NetlinkRequestKind kind, OperationName operation, ReplyHandler onReply, out int chunks)
    {
        uint sequence = SendOne(write);
        bool interrupted = false;
        Exception? handlerFailure = null;
        chunks = 0;
        while (true)
        {
            int length = _transport.Receive(_receiveBuffer);
            var reader = new NetlinkMessageReader(_receiveBuffer.AsSpan(0, length));
            bool carriedReplies = false;
            while (reader.TryRead(out NetlinkMessage message))
            {
                if (!IsCurrent(message.Header, sequence, sequence))
                {
                    continue;
                }

                interrupted |= message.Header.HasFlag(NetlinkKernel.NLM_F_DUMP_INTR);
                switch (message.Header.Type)
                {
                    case NetlinkKernel.NLMSG_DONE:
                        // A dump that failed half-way ends with NLMSG_DONE carrying the negated errno.
                        int status = message.Payload.Length >= sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(message.Payload) : 0;
                        if (handlerFailure is not null)
                        {
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(handlerFailure);
                        }

                        return status < 0 ? throw NetlinkErrors.Create(-status, kind, operation.ToString()) : interrupted;
                    case NetlinkKernel.NLMSG_ERROR:
                        NetlinkError error = NetlinkErrorMessage.Read(message);
                        if (!error.IsAck)
                        {
                            throw NetlinkErrors.Create(error.Errno, kind, operation.ToString(), error.Message);
                        }

                        break;
                    default:
                        if (!carriedReplies)
                        {
                            carriedReplies = true;
                            chunks++;
                        }

                        if (handlerFailure is null)
                        {
                            try
                            {
                                onReply(message);
                            }
#pragma warning disable CA1031 // Kept and rethrown once the dump is drained, so the socket stays usable.
                            catch (Exception exception)
#pragma warning restore CA1031
                            {
                                handlerFailure = exception;
                            }
                        }

                        break;
                }
            }
        }
    }

    private uint SendOne(RequestWriter write)
    {
        uint sequence = _nextSequence++;
        var writer = new NetlinkWriter(_sendBuffer);
        write(ref writer, sequence);
        _transport.Send(writer.Written);
        return sequence;
    }

    /// <summary>
    /// True for a reply to the request(s) in flight. Replies left over from an abandoned earlier request are skipped;
    /// a reply to another port or to a request not yet sent means the stream is corrupt.
    /// </summary>
    private bool IsCurrent(in NetlinkHeader header, uint firstSequence, uint lastSequence)
    {
        if (header.PortId != _transport.PortId)
        {
            throw new NetlinkDecodeException(
                $"Reply (type {header.Type}, seq {header.Sequence}) is addressed to port {header.PortId}, not to this socket's port {_transport.PortId}.");
        }

        if ((int)(header.Sequence - firstSequence) < 0)
        {
            return false;
        }

        return (int)(header.Sequence - lastSequence) <= 0
            ? true
            : throw new NetlinkDecodeException(
                $"Reply (type {header.Type}) carries sequence {header.Sequence}, but the last request sent was {lastSequence}.");
    }
}
