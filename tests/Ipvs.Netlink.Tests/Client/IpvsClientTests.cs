using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Tests.Client.Support;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Tests.Client;

/// <summary>The client's bookkeeping against a scripted kernel that knows an IPVS family with id 0x21.</summary>
public sealed class IpvsClientTests
{
    private const ushort IpvsFamilyId = 0x21;

    private static readonly VirtualServiceKey _service = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80);
    private static readonly RealServer _server = new(NetAddress.Parse("10.0.0.2"), 80, ForwardingMethod.Masquerade, 1);

    [Fact]
    public void Constructor_ResolvesFamilyOnceAndSendsEveryCommandWithItsId()
    {
        ScriptedKernel kernel = IpvsKernelScript();
        using var client = new IpvsClient(new NetlinkChannel(kernel));

        client.AddService(VirtualService.Create(_service));
        client.AddDestination(_service, _server);
        client.DeleteService(_service);

        ushort[] types = [.. kernel.Sent.SelectMany(datagram => datagram).Select(header => header.Type)];
        Assert.Equal(1, types.Count(type => type == GenericNetlinkKernel.GENL_ID_CTRL));
        Assert.Equal([GenericNetlinkKernel.GENL_ID_CTRL, IpvsFamilyId, IpvsFamilyId, IpvsFamilyId, IpvsFamilyId], types);
        Assert.Equal(0x010201u, client.Features.Info.Version);
        Assert.Equal(IpvsFamilyId, client.Features.Family.Id);
    }

    [Fact]
    public void Apply_KernelRejectsSome_FailuresCarryOperationAndTypedKind()
    {
        ScriptedKernel kernel = IpvsKernelScript();
        using var client = new IpvsClient(new NetlinkChannel(kernel));
        int setupRequests = kernel.Sent.Count;
        kernel.ErrnoFor = index => (index - setupRequests) switch
        {
            0 => SocketKernel.ENOENT,
            1 => SocketKernel.EEXIST,
            3 => SocketKernel.ENOENT,
            _ => 0,
        };
        IpvsCommand[] operations =
        [
            IpvsCommand.AddService(VirtualService.Create(_service, "nosuch")),
            IpvsCommand.AddDestination(_service, _server),
            IpvsCommand.UpdateDestination(_service, _server),
            IpvsCommand.DeleteDestination(_service, _server.Key),
        ];

        IpvsBatchResult result = client.Apply(operations);

        Assert.Equal(
            [(0, KernelErrorKind.NoSuchScheduler), (1, KernelErrorKind.AlreadyExists), (3, KernelErrorKind.NoSuchServer)],
            result.Failures.Select(failure => (failure.Index, failure.Error.Kind)));
        Assert.Equal(operations[3], result.Failures[2].Operation);
        Assert.Contains("nosuch", result.Failures[0].Error.Message, StringComparison.Ordinal);
        Assert.Contains("10.0.0.2:80", result.Failures[2].Error.Message, StringComparison.Ordinal);
        Assert.Equal(1, result.Datagrams);
        // One send, then one receive per failure: the failure of the last request is also its acknowledgement.
        Assert.Equal(1 + 3, result.Syscalls);
    }

    [Fact]
    public void Apply_MalformedOperation_ThrowsNamingItAndSendsNothing()
    {
        ScriptedKernel kernel = IpvsKernelScript();
        using var client = new IpvsClient(new NetlinkChannel(kernel));
        int sentBefore = kernel.Sent.Count;
        IpvsCommand[] operations =
        [
            IpvsCommand.AddService(VirtualService.Create(_service)),
            IpvsCommand.AddDestination(_service, _server with { Weight = -1 }),
        ];

        ArgumentException error = Assert.Throws<ArgumentException>(() => client.Apply(operations));

        Assert.Contains("Operation 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("10.0.0.2:80", error.Message, StringComparison.Ordinal);
        Assert.Equal(sentBefore, kernel.Sent.Count);
    }

    public static TheoryData<string, IpvsCommand> MalformedOperations() => new()
    {
        { "scheduler", IpvsCommand.AddService(VirtualService.Create(_service, new string('x', 40))) },
        { "netmask", IpvsCommand.UpdateService(VirtualService.Create(_service) with { NetmaskPrefix = 33 }) },
        { "empty", IpvsCommand.DeleteService(default) },
        { "no address", IpvsCommand.DeleteDestination(_service, default) },
        { "forwarding method", IpvsCommand.UpdateDestination(_service, _server with { Method = (ForwardingMethod)9 }) },
    };

    [Theory]
    [MemberData(nameof(MalformedOperations))]
    public void Apply_MalformedOperationOfAnyKind_ThrowsBeforeSendingAnything(string problem, IpvsCommand malformed)
    {
        ScriptedKernel kernel = IpvsKernelScript();
        using var client = new IpvsClient(new NetlinkChannel(kernel));
        int sentBefore = kernel.Sent.Count;

        ArgumentException error = Assert.Throws<ArgumentException>(
            () => client.Apply([IpvsCommand.AddService(VirtualService.Create(_service)), malformed]));

        Assert.Contains("Operation 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(sentBefore, kernel.Sent.Count);
    }

    [Fact]
    public void ListServices_DumpRepeatsAServiceInALaterChunk_ReturnsEachOnceWithTheLaterCopy()
    {
        VirtualService first = VirtualService.Create(_service, "rr");
        VirtualService repeated = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.2"), 80), "rr");
        VirtualService last = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.0.0.3"), 53), "rr");
        ScriptedKernel kernel = IpvsKernelScript(DumpSequence, sequence =>
        [
            [.. KernelReplies.Service(first, sequence: sequence), .. KernelReplies.Service(repeated, sequence: sequence)],
            // The table changed between the two chunks (an entry added before the resume point): the walk listed
            // the last service of the first chunk again, changed meanwhile.
            [.. KernelReplies.Service(repeated with { Scheduler = "wrr" }, default(IpvsStatistics) with { Connections = 9 }, sequence: sequence),
                .. KernelReplies.Service(last, sequence: sequence)],
        ]);
        using var client = new IpvsClient(new NetlinkChannel(kernel));

        List<ServiceEntry> services = client.ListServices();

        Assert.Equal([first.Key, repeated.Key, last.Key], services.Select(entry => entry.Service.Key));
        Assert.Equal("wrr", services[1].Service.Scheduler);
        Assert.Equal(9UL, services[1].Status.Statistics.Connections);
        Assert.Equal(1, client.RepeatedEntriesDropped);
    }

    [Fact]
    public void ListAll_DestinationDumpRepeatsARealServerInALaterChunk_ReturnsEachOnceWithTheLaterCopy()
    {
        RealServer second = _server with { Address = NetAddress.Parse("10.0.0.3") };
        RealServer third = _server with { Address = NetAddress.Parse("10.0.0.4") };
        ScriptedKernel kernel = IpvsKernelScript(DumpSequence, sequence => sequence == DumpSequence
            ? (byte[][])[KernelReplies.Service(VirtualService.Create(_service), sequence: sequence)]
            :
            [
                [.. KernelReplies.Destination(_server, sequence: sequence), .. KernelReplies.Destination(second, sequence: sequence)],
                [.. KernelReplies.Destination(second with { Weight = 5 }, sequence: sequence), .. KernelReplies.Destination(third, sequence: sequence)],
            ]);
        using var client = new IpvsClient(new NetlinkChannel(kernel));

        IpvsServiceSnapshot snapshot = Assert.Single(client.ListAll());

        Assert.Equal([_server.Key, second.Key, third.Key], snapshot.RealServers.Select(entry => entry.Server.Key));
        Assert.Equal(5, snapshot.RealServers[1].Server.Weight);
        Assert.Equal(1, client.RepeatedEntriesDropped);
    }

    [Fact]
    public void ListServices_EveryEntryRepeatedInAllChunks_KeepsTheLastCopiesInTheirOrder()
    {
        VirtualService a = VirtualService.Create(_service, "rr");
        VirtualService b = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.2"), 80), "rr");
        ScriptedKernel kernel = IpvsKernelScript(DumpSequence, sequence =>
        [
            [.. KernelReplies.Service(a, sequence: sequence), .. KernelReplies.Service(b, sequence: sequence)],
            [.. KernelReplies.Service(b with { Scheduler = "lc" }, sequence: sequence), .. KernelReplies.Service(a with { Scheduler = "sh" }, sequence: sequence)],
            KernelReplies.Service(b with { Scheduler = "wlc" }, sequence: sequence),
        ]);
        using var client = new IpvsClient(new NetlinkChannel(kernel));

        List<ServiceEntry> services = client.ListServices();

        Assert.Equal([(a.Key, "sh"), (b.Key, "wlc")], services.Select(entry => (entry.Service.Key, entry.Service.Scheduler)));
        Assert.Equal(3, client.RepeatedEntriesDropped);
    }

    // Construction sends the family lookup (1) and GET_INFO (2): the first request of a test is number 3.
    private const uint DumpSequence = 3;

    /// <summary>
    /// <see cref="IpvsKernelScript()"/>, plus dumps from request <paramref name="firstDump"/> on: each answered with the
    /// datagrams <paramref name="chunks"/> gives for its sequence number, then NLMSG_DONE in one of its own.
    /// </summary>
    private static ScriptedKernel IpvsKernelScript(uint firstDump, Func<uint, byte[][]> chunks)
    {
        ScriptedKernel kernel = IpvsKernelScript();
        Func<NetlinkHeader, byte[][]> setup = kernel.RepliesFor;
        kernel.RepliesFor = request => request.Sequence >= firstDump
            ? [.. chunks(request.Sequence), ScriptedKernel.Done(request.Sequence, kernel.PortId)]
            : setup(request);
        return kernel;
    }

    /// <summary>A kernel whose controller knows IPVS and whose IPVS answers GET_INFO.</summary>
    private static ScriptedKernel IpvsKernelScript()
    {
        var kernel = new ScriptedKernel();
        kernel.RepliesFor = request => request.Type switch
        {
            GenericNetlinkKernel.GENL_ID_CTRL => [FamilyReply(request.Sequence, kernel.PortId)],
            // GET_INFO is the one IPVS request of construction, right after the family lookup (sequence 1).
            IpvsFamilyId when request.Sequence == 2 => [InfoReply(request.Sequence, kernel.PortId)],
            _ => [],
        };
        return kernel;
    }

    private static byte[] FamilyReply(uint sequence, uint portId)
    {
        byte[] buffer = new byte[256];
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(GenericNetlinkKernel.GENL_ID_CTRL, 0, sequence, portId);
        writer.WriteGenericHeader(GenericNetlinkKernel.CTRL_CMD_NEWFAMILY, 2);
        writer.WriteU16(GenericNetlinkKernel.CTRL_ATTR_FAMILY_ID, IpvsFamilyId);
        writer.WriteString(GenericNetlinkKernel.CTRL_ATTR_FAMILY_NAME, IpvsKernel.IPVS_GENL_NAME);
        writer.WriteU32(GenericNetlinkKernel.CTRL_ATTR_VERSION, 1);
        writer.WriteU32(GenericNetlinkKernel.CTRL_ATTR_HDRSIZE, 0);
        writer.WriteU32(GenericNetlinkKernel.CTRL_ATTR_MAXATTR, 6);
        writer.EndMessage(start);
        return buffer[..writer.Length];
    }

    private static byte[] InfoReply(uint sequence, uint portId)
    {
        byte[] buffer = new byte[64];
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(IpvsFamilyId, 0, sequence, portId);
        writer.WriteGenericHeader(IpvsKernel.IPVS_CMD_GET_INFO, IpvsKernel.IPVS_GENL_VERSION);
        writer.WriteU32(IpvsKernel.IPVS_INFO_ATTR_VERSION, IpvsKernel.IP_VS_VERSION_CODE);
        writer.WriteU32(IpvsKernel.IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
        writer.EndMessage(start);
        return buffer[..writer.Length];
    }
}
