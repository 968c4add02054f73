using Ipvs.Core.Kernel;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Client.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Client;

public sealed class NetlinkChannelTests
{
    private const ushort TestType = 0x20;

    [Fact]
    public void RunBatch_Batched_AcksOnlyTheLastRequestOfTheDatagram()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);

        BatchOutcome outcome = channel.RunBatch(10, WriteFixedRequest, BatchMode.Batched);

        Assert.Empty(outcome.Failures);
        Assert.Equal(1, outcome.Datagrams);
        List<NetlinkHeader> sent = Assert.Single(kernel.Sent);
        Assert.Equal(10, sent.Count);
        Assert.All(sent[..^1], header => Assert.False(header.HasFlag(NetlinkKernel.NLM_F_ACK)));
        Assert.True(sent[^1].HasFlag(NetlinkKernel.NLM_F_ACK));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (uint)i), sent.Select(header => header.Sequence));
    }

    [Fact]
    public void RunBatch_BufferFills_SplitsIntoDatagramsWithContiguousSequences()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel, batchBytes: 4096);

        BatchOutcome outcome = channel.RunBatch(100, WriteFixedRequest, BatchMode.Batched);

        Assert.True(outcome.Datagrams > 3, $"{outcome.Datagrams} datagrams");
        Assert.Equal(kernel.Sent.Count, outcome.Datagrams);
        Assert.All(kernel.Sent, datagram => Assert.True(datagram.Count * 100 <= 4096));
        Assert.All(kernel.Sent, datagram => Assert.Single(datagram, header => header.HasFlag(NetlinkKernel.NLM_F_ACK)));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (uint)i), kernel.Sent.SelectMany(d => d).Select(header => header.Sequence));
    }

    [Fact]
    public void RunBatch_SmallReceiveQueue_CapsRequestsPerDatagram()
    {
        var kernel = new ScriptedKernel(receiveQueueBytes: 10 * 1024);
        using var channel = new NetlinkChannel(kernel);

        BatchOutcome outcome = channel.RunBatch(25, WriteFixedRequest, BatchMode.Batched);

        Assert.Equal(10, channel.MaxRequestsPerBatch);
        Assert.Equal(3, outcome.Datagrams);
        Assert.Equal([10, 10, 5], kernel.Sent.Select(datagram => datagram.Count));
    }

    [Fact]
    public void RunBatch_SomeRequestsFail_EachFailureIsMatchedToItsIndex()
    {
        var kernel = new ScriptedKernel { ErrnoFor = index => index % 7 == 3 || index == 99 ? SocketKernel.EEXIST : 0 };
        using var channel = new NetlinkChannel(kernel, batchBytes: 4096);

        BatchOutcome outcome = channel.RunBatch(100, WriteFixedRequest, BatchMode.Batched);

        int[] expected = [.. Enumerable.Range(0, 100).Where(index => index % 7 == 3 || index == 99)];
        Assert.Equal(expected, outcome.Failures.Select(failure => failure.Index));
        Assert.All(outcome.Failures, failure => Assert.Equal(SocketKernel.EEXIST, failure.Error.Errno));
    }

    [Fact]
    public void RunBatch_LastOfDatagramFails_ErrorEndsThatDatagramAndNextOneRuns()
    {
        var kernel = new ScriptedKernel(receiveQueueBytes: 4 * 1024) { ErrnoFor = index => index == 3 ? SocketKernel.EINVAL : 0 };
        using var channel = new NetlinkChannel(kernel);

        BatchOutcome outcome = channel.RunBatch(8, WriteFixedRequest, BatchMode.Batched);

        Assert.Equal(2, outcome.Datagrams);
        BatchFailure failure = Assert.Single(outcome.Failures);
        Assert.Equal(3, failure.Index);
    }

    [Fact]
    public void RunBatch_KernelDroppedReplies_ThrowsSayingWhichRequestsHaveUnknownOutcome()
    {
        var kernel = new ScriptedKernel(receiveQueueBytes: 4 * 1024) { ReceiveErrno = SocketKernel.ENOBUFS };
        using var channel = new NetlinkChannel(kernel);

        NetlinkException error = Assert.Throws<NetlinkException>(() => channel.RunBatch(8, WriteFixedRequest, BatchMode.Batched));

        Assert.Contains("requests 0..3", error.Message, StringComparison.Ordinal);
        Assert.Contains("ENOBUFS", error.Message, StringComparison.Ordinal);
        Assert.Single(kernel.Sent);
    }

    [Fact]
    public void RunBatch_PerAck_SendsEachRequestAloneWithAnAck()
    {
        var kernel = new ScriptedKernel { ErrnoFor = index => index == 2 ? SocketKernel.ENOENT : 0 };
        using var channel = new NetlinkChannel(kernel);

        BatchOutcome outcome = channel.RunBatch(5, WriteFixedRequest, BatchMode.PerAck);

        Assert.Equal(5, outcome.Datagrams);
        Assert.All(kernel.Sent, datagram => Assert.True(Assert.Single(datagram).HasFlag(NetlinkKernel.NLM_F_ACK)));
        Assert.Equal(2, Assert.Single(outcome.Failures).Index);
        Assert.Equal(10, kernel.Syscalls);
    }

    [Fact]
    public void Execute_KernelRejects_ThrowsTypedErrorNamingTheOperation()
    {
        var kernel = new ScriptedKernel { ErrnoFor = _ => SocketKernel.ENOENT };
        using var channel = new NetlinkChannel(kernel);

        NetlinkException error = Assert.Throws<NetlinkException>(
            () => channel.Execute(WriteAckedRequest, NetlinkRequestKind.Destination, "IPVS_CMD_DEL_DEST 10.0.0.2:80"));

        Assert.Equal(KernelErrorKind.NoSuchServer, error.Kind);
        Assert.Equal(SocketKernel.ENOENT, error.Errno);
        Assert.Contains("IPVS_CMD_DEL_DEST 10.0.0.2:80", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_LeftoverReplyOfEarlierRequest_IsSkipped()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "first");
        kernel.Enqueue(ScriptedKernel.ErrorReply(new NetlinkHeader { Sequence = 1 }, SocketKernel.EINVAL, kernel.PortId));

        channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "second");

        Assert.Equal(2, kernel.Sent.Count);
    }

    [Fact]
    public void Execute_ReplyAddressedToAnotherPort_ThrowsDecodeException()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, 0, 1, portId: 999, value: 7));

        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(
            () => channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "request"));

        Assert.Contains("port 999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_ReplyWithSequenceNotYetSent_ThrowsDecodeException()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, 0, 5, kernel.PortId, 7));

        Assert.Throws<NetlinkDecodeException>(() => channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "request"));
    }

    [Fact]
    public void Execute_ReplyBeforeAck_GoesToHandler()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, 0, 1, kernel.PortId, 42));
        List<uint> values = [];

        channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "get", (in NetlinkMessage message) => values.Add(ReadValue(message)));

        Assert.Equal([42u], values);
    }

    [Fact]
    public void Dump_RepliesUntilDone_AreAllCollected()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        for (uint value = 1; value <= 3; value++)
        {
            kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, value));
        }

        kernel.Enqueue(ScriptedKernel.Done(1, kernel.PortId));
        List<uint> values = [];

        channel.Dump(WriteDumpRequest, NetlinkRequestKind.Service, "dump", (in NetlinkMessage message) => values.Add(ReadValue(message)), values.Clear);

        Assert.Equal([1u, 2u, 3u], values);
    }

    [Fact]
    public void Dump_RepliesInSeveralDatagrams_ReturnsHowManyCarriedReplies()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue([
            .. ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 1),
            .. ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 2)]);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 3));
        // The kernel sends NLMSG_DONE in a datagram of its own once the dump function has nothing more to list.
        kernel.Enqueue(ScriptedKernel.Done(1, kernel.PortId));
        List<uint> values = [];

        int chunks = channel.Dump(WriteDumpRequest, NetlinkRequestKind.Service, "dump", (in NetlinkMessage message) => values.Add(ReadValue(message)), values.Clear);

        Assert.Equal(2, chunks);
        Assert.Equal([1u, 2u, 3u], values);
    }

    [Fact]
    public void Dump_InterruptedOnce_RestartsAndKeepsOnlyTheSecondRun()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 1));
        kernel.Enqueue(ScriptedKernel.Done(1, kernel.PortId, 0, NetlinkKernel.NLM_F_MULTI | NetlinkKernel.NLM_F_DUMP_INTR));
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 2, kernel.PortId, 10));
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 2, kernel.PortId, 20));
        kernel.Enqueue(ScriptedKernel.Done(2, kernel.PortId));
        List<uint> values = [];
        int restarts = 0;

        int chunks = channel.Dump(
            WriteDumpRequest,
            NetlinkRequestKind.Service,
            "dump",
            (in NetlinkMessage message) => values.Add(ReadValue(message)),
            () =>
            {
                restarts++;
                values.Clear();
            });

        Assert.Equal(1, restarts);
        Assert.Equal([10u, 20u], values);
        Assert.Equal(2, chunks);
    }

    [Fact]
    public void Dump_AlwaysInterrupted_ThrowsDumpInterruptedAfterBoundedRetries()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        for (uint sequence = 1; sequence <= NetlinkChannel.MaxDumpAttempts; sequence++)
        {
            kernel.Enqueue(ScriptedKernel.Done(sequence, kernel.PortId, 0, NetlinkKernel.NLM_F_MULTI | NetlinkKernel.NLM_F_DUMP_INTR));
        }

        NetlinkException error = Assert.Throws<NetlinkException>(
            () => channel.Dump(WriteDumpRequest, NetlinkRequestKind.Service, "IPVS_CMD_GET_SERVICE (dump)", (in NetlinkMessage _) => { }, () => { }));

        Assert.Equal(KernelErrorKind.DumpInterrupted, error.Kind);
        Assert.Equal(NetlinkChannel.MaxDumpAttempts, kernel.Sent.Count);
    }

    [Fact]
    public void Dump_DoneCarriesErrno_ThrowsTypedError()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Done(1, kernel.PortId, -SocketKernel.ESRCH));

        NetlinkException error = Assert.Throws<NetlinkException>(
            () => channel.Dump(WriteDumpRequest, NetlinkRequestKind.Destination, "dump", (in NetlinkMessage _) => { }, () => { }));

        Assert.Equal(KernelErrorKind.NoSuchService, error.Kind);
    }

    [Fact]
    public void Dump_HandlerThrows_DrainsTheDumpThenRethrows()
    {
        var kernel = new ScriptedKernel();
        using var channel = new NetlinkChannel(kernel);
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 1));
        kernel.Enqueue(ScriptedKernel.Reply(TestType, NetlinkKernel.NLM_F_MULTI, 1, kernel.PortId, 2));
        kernel.Enqueue(ScriptedKernel.Done(1, kernel.PortId));

        Assert.Throws<FormatException>(
            () => channel.Dump(WriteDumpRequest, NetlinkRequestKind.Service, "dump", (in NetlinkMessage _) => throw new FormatException("bad"), () => { }));

        // Everything of the failed dump was consumed: the next request sees only its own ACK.
        channel.Execute(WriteAckedRequest, NetlinkRequestKind.Other, "next");
    }

    [Fact]
    public void Dispose_DisposesTheTransport()
    {
        var kernel = new ScriptedKernel();
        var channel = new NetlinkChannel(kernel);

        channel.Dispose();

        Assert.True(kernel.Disposed);
    }

    /// <summary>A 100-byte request (header + genl header + 80-byte attribute).</summary>
    private static void WriteFixedRequest(ref NetlinkWriter writer, int index, uint sequence, ushort ackFlag)
    {
        int start = writer.BeginMessage(TestType, (ushort)(NetlinkKernel.NLM_F_REQUEST | ackFlag), sequence);
        writer.WriteGenericHeader(1, 1);
        Span<byte> filler = stackalloc byte[76];
        filler.Fill((byte)index);
        writer.WriteAttribute(1, filler);
        writer.EndMessage(start);
    }

    private static void WriteAckedRequest(ref NetlinkWriter writer, uint sequence)
    {
        int start = writer.BeginMessage(TestType, NetlinkKernel.NLM_F_REQUEST | NetlinkKernel.NLM_F_ACK, sequence);
        writer.WriteGenericHeader(1, 1);
        writer.EndMessage(start);
    }

    private static void WriteDumpRequest(ref NetlinkWriter writer, uint sequence)
    {
        int start = writer.BeginMessage(TestType, NetlinkKernel.NLM_F_REQUEST | NetlinkKernel.NLM_F_DUMP, sequence);
        writer.WriteGenericHeader(1, 1);
        writer.EndMessage(start);
    }

    private static uint ReadValue(in NetlinkMessage message)
    {
        AttributeReader attributes = message.GetAttributes(GenericNetlinkHeader.Size);
        return attributes.TryRead(out NetlinkAttribute attribute) ? attribute.GetU32() : throw new InvalidOperationException("no attribute");
    }
}
