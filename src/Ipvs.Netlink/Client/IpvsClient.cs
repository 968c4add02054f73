using System.Runtime.InteropServices;
using Ipvs.Core.Model;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;
using static Ipvs.Netlink.Kernel.IpvsKernel;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Client;

/// <summary>One service of a table dump with its real servers; <paramref name="realServers"/> is only valid during the call.</summary>
public delegate void ServiceDumped(in ServiceEntry service, IReadOnlyList<RealServerEntry> realServers);

/// <summary>
/// The IPVS table of one network namespace, over one persistent generic netlink socket. Synchronous (the kernel
/// answers in microseconds) and not thread-safe: one caller, one request at a time.
/// </summary>
/// <remarks>
/// IPVS dumps are not atomic: a change on the host while one runs can make an entry come twice or be skipped (why:
/// docs/architecture.md, "IPVS dumps are not atomic"). Every dump here returns each key at most once, the later copy
/// kept (<see cref="RepeatedEntriesDropped"/> counts the repeats); a skipped entry shows only as the kernel's EEXIST,
/// ESRCH or ENOENT to whoever planned from the dump.
/// </remarks>
public sealed class IpvsClient : IDisposable
{
    private readonly NetlinkChannel _channel;
    private readonly ushort _familyId;

    // Kept for every dump that needs one: a set for the 10k keys of a big service dump is several hundred kilobytes,
    // allocated once per client this way instead of once per resync.
    private readonly HashSet<VirtualServiceKey> _serviceKeys = [];
    private readonly HashSet<RealServerKey> _serverKeys = [];
    private long _repeatedEntriesDropped;

    /// <summary>Takes ownership of <paramref name="channel"/>; resolves the IPVS family and probes features once.</summary>
    public IpvsClient(NetlinkChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        GenericNetlinkFamily family = GenericNetlinkResolver.Resolve(channel, IPVS_GENL_NAME);
        _familyId = family.Id;
        string release = IpvsFeatures.ReadKernelRelease();
        Features = new IpvsFeatures(release, IpvsFeatures.ParseKernelRelease(release), GetInfo(), family);
    }

    public IpvsFeatures Features { get; }

    public NetlinkChannel Channel => _channel;

    /// <summary>
    /// Entries that dumps listed twice and that were dropped, since this client was opened. A dump that had any saw the
    /// table change while it was read (and may also have missed an entry): compare the count before and after a read.
    /// </summary>
    public long RepeatedEntriesDropped => _repeatedEntriesDropped;

    /// <summary>Opens a client on the IPVS table of the caller's network namespace.</summary>
    public static IpvsClient Open(int batchBytes = NetlinkChannel.DefaultBatchBytes) =>
        Create(NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC), batchBytes);

    /// <summary>Opens a client on the IPVS table of the network namespace at <paramref name="namespacePath"/>.</summary>
    public static IpvsClient OpenInNamespace(string namespacePath, int batchBytes = NetlinkChannel.DefaultBatchBytes) =>
        Create(NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_GENERIC, namespacePath), batchBytes);

    public void AddService(in VirtualService service) => WriteService(IPVS_CMD_NEW_SERVICE, service);

    public void UpdateService(in VirtualService service) => WriteService(IPVS_CMD_SET_SERVICE, service);

    public void DeleteService(in VirtualServiceKey key)
    {
        VirtualServiceKey copy = key;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteServiceKey(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), IPVS_CMD_DEL_SERVICE, copy),
            NetlinkRequestKind.Service,
            new OperationName("IPVS_CMD_DEL_SERVICE", copy));
    }

    /// <summary>The service with <paramref name="key"/>, or null when there is none.</summary>
    public ServiceEntry? GetService(in VirtualServiceKey key)
    {
        VirtualServiceKey copy = key;
        ServiceEntry? found = null;
        try
        {
            Execute(
                (ref writer, sequence) => IpvsMessages.WriteServiceKey(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), IPVS_CMD_GET_SERVICE, copy),
                NetlinkRequestKind.Service,
                new OperationName("IPVS_CMD_GET_SERVICE", copy),
                (in message) => found = IpvsMessages.ReadService(message));
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.NoSuchService)
        {
            return null;
        }

        return found;
    }

    /// <summary>
    /// Every service of the table, each once (see the remarks on <see cref="IpvsClient"/>). An entry that cannot be
    /// decoded (e.g. an IPv4 persistence netmask such as 255.0.255.0 that has no prefix form) throws, unless
    /// <paramref name="onUnreadable"/> is given: then that entry is left out, handed over with the reason, and the rest
    /// of the dump is returned.
    /// </summary>
    public List<ServiceEntry> ListServices(Action<NetlinkDecodeException>? onUnreadable = null)
    {
        List<ServiceEntry> services = DumpCommand(
            IPVS_CMD_GET_SERVICE, NetlinkRequestKind.Service, "IPVS_CMD_GET_SERVICE (dump)", IpvsMessages.ReadService, out int chunks, onUnreadable);
        DropRepeats(services, chunks, static (in entry) => entry.Service.Key, _serviceKeys);
        return services;
    }

    public void AddDestination(in VirtualServiceKey service, in RealServer server) => WriteDestination(IPVS_CMD_NEW_DEST, service, server);

    public void UpdateDestination(in VirtualServiceKey service, in RealServer server) => WriteDestination(IPVS_CMD_SET_DEST, service, server);

    public void DeleteDestination(in VirtualServiceKey service, in RealServerKey server)
    {
        VirtualServiceKey serviceCopy = service;
        RealServerKey serverCopy = server;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteDestinationKey(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), serviceCopy, serverCopy),
            NetlinkRequestKind.Destination,
            $"IPVS_CMD_DEL_DEST {serverCopy} from {serviceCopy}");
    }

    /// <summary>The real servers of <paramref name="service"/>, each once; <paramref name="onUnreadable"/> as for <see cref="ListServices"/>.</summary>
    public List<RealServerEntry> ListDestinations(in VirtualServiceKey service, Action<NetlinkDecodeException>? onUnreadable = null)
    {
        List<RealServerEntry> servers = [];
        DumpDestinations(service, servers, onUnreadable);
        return servers;
    }

    /// <summary>
    /// The whole table: one service dump, then one real-server dump per service (a socket runs one dump at a time),
    /// each service and each real server of a service once. A service deleted by someone else between the two is left
    /// out where the kernel answers its real-server dump with ESRCH; Linux 6.1 answers it with an empty dump instead, so
    /// there it comes back without real servers.
    /// </summary>
    public List<IpvsServiceSnapshot> ListAll(Action<NetlinkDecodeException>? onUnreadable = null)
    {
        List<IpvsServiceSnapshot> table = [];
        DumpAll((in service, servers) => table.Add(new IpvsServiceSnapshot(service, [.. servers])), onUnreadable);
        return table;
    }

    /// <summary>
    /// The whole table as <see cref="ListAll"/> reads it, handed to <paramref name="onService"/> one service at a time,
    /// so a caller can build its own table without an intermediate copy of 100k entries. The real-server list is
    /// scratch memory reused for the next service: copy what you keep.
    /// </summary>
    /// <param name="onService">Called once per service.</param>
    /// <param name="onUnreadable">As for <see cref="ListServices"/>: entries that cannot be decoded are left out and handed here.</param>
    /// <returns>The number of services the service dump listed (some may have vanished before their real servers were read).</returns>
    public int DumpAll(ServiceDumped onService, Action<NetlinkDecodeException>? onUnreadable = null)
    {
        ArgumentNullException.ThrowIfNull(onService);
        List<ServiceEntry> services = ListServices(onUnreadable);
        List<RealServerEntry> scratch = [];
        foreach (ServiceEntry service in services)
        {
            try
            {
                scratch.Clear();
                DumpDestinations(service.Service.Key, scratch, onUnreadable);
            }
            catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.NoSuchService)
            {
                // Deleted concurrently: absent from the table is the truth now.
                continue;
            }

            onService(service, scratch);
        }

        return services.Count;
    }

    /// <summary>Deletes every service and real server of this namespace (ipvsadm -C).</summary>
    public void Flush() => Command(IPVS_CMD_FLUSH, NetlinkRequestKind.Service);

    /// <summary>Zeroes the counters of every service (ipvsadm -Z).</summary>
    public void ZeroAll() => Command(IPVS_CMD_ZERO, NetlinkRequestKind.Service);

    /// <summary>Zeroes the counters of one service and its real servers.</summary>
    public void Zero(in VirtualServiceKey key)
    {
        VirtualServiceKey copy = key;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteServiceKey(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), IPVS_CMD_ZERO, copy),
            NetlinkRequestKind.Service,
            new OperationName("IPVS_CMD_ZERO", copy));
    }

    public IpvsInfo GetInfo()
    {
        IpvsInfo? info = null;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteCommand(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), IPVS_CMD_GET_INFO),
            NetlinkRequestKind.Other,
            "IPVS_CMD_GET_INFO",
            (in message) => info = IpvsMessages.ReadInfo(message));
        return info ?? throw new NetlinkException("IPVS_CMD_GET_INFO was acknowledged without an answer.");
    }

    public IpvsTimeouts GetTimeouts()
    {
        IpvsTimeouts? timeouts = null;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteCommand(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), IPVS_CMD_GET_CONFIG),
            NetlinkRequestKind.Other,
            "IPVS_CMD_GET_CONFIG",
            (in message) => timeouts = IpvsMessages.ReadConfig(message));
        return timeouts ?? throw new NetlinkException("IPVS_CMD_GET_CONFIG was acknowledged without an answer.");
    }

    /// <summary>Sets connection timeouts; a 0 leaves that one unchanged.</summary>
    public void SetTimeouts(in IpvsTimeouts timeouts)
    {
        IpvsTimeouts copy = timeouts;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteSetConfig(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), copy),
            NetlinkRequestKind.Other,
            $"IPVS_CMD_SET_CONFIG {copy}");
    }

    public void StartDaemon(in SyncDaemonConfig daemon)
    {
        SyncDaemonConfig copy = daemon;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteNewDaemon(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), copy),
            NetlinkRequestKind.Other,
            $"IPVS_CMD_NEW_DAEMON {copy.State} on {copy.Interface}");
    }

    public void StopDaemon(SyncDaemonState state) => Execute(
        (ref writer, sequence) => IpvsMessages.WriteDeleteDaemon(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), state),
        NetlinkRequestKind.Other,
        $"IPVS_CMD_DEL_DAEMON {state}");

    public List<SyncDaemonConfig> ListDaemons() =>
        DumpCommand(IPVS_CMD_GET_DAEMON, NetlinkRequestKind.Other, "IPVS_CMD_GET_DAEMON (dump)", IpvsMessages.ReadDaemon, out _);

    /// <summary>
    /// Dumps a parameterless IPVS command into a list, starting the list over when the kernel restarts the dump;
    /// <paramref name="chunks"/> is how many datagrams the answer took (see <see cref="NetlinkChannel.Dump"/>).
    /// </summary>
    private List<T> DumpCommand<T>(
        byte command, NetlinkRequestKind kind, string operation, ReplyReader<T> read, out int chunks, Action<NetlinkDecodeException>? onUnreadable = null)
    {
        List<T> entries = [];
        chunks = _channel.Dump(
            (ref writer, sequence) => IpvsMessages.WriteCommand(ref writer, Header(sequence, NetlinkKernel.NLM_F_DUMP), command),
            kind,
            operation,
            (in message) => AddDecoded(entries, message, read, onUnreadable),
            entries.Clear);
        return entries;
    }

    /// <summary>
    /// Applies <paramref name="operations"/> in order, packed into as few datagrams as the socket allows. Not atomic:
    /// the result lists every operation the kernel rejected, with its typed error; all others took effect.
    /// </summary>
    public IpvsBatchResult Apply(IReadOnlyList<IpvsCommand> operations, BatchMode mode = BatchMode.Batched)
    {
        ArgumentNullException.ThrowIfNull(operations);
        Validate(operations);

        long syscallsBefore = _channel.Transport.Syscalls;
        BatchOutcome outcome = _channel.RunBatch(
            operations.Count,
            (ref writer, index, sequence, ackFlag) => WriteOperation(ref writer, operations[index], Header(sequence, ackFlag)),
            mode);
        List<IpvsCommandFailure> failures = new(outcome.Failures.Count);
        foreach (BatchFailure failure in outcome.Failures)
        {
            IpvsCommand operation = operations[failure.Index];
            failures.Add(new IpvsCommandFailure(
                failure.Index,
                operation,
                NetlinkErrors.Create(failure.Error.Errno, RequestKindOf(operation.Kind), Describe(operation), failure.Error.Message)));
        }

        return new IpvsBatchResult(outcome.Count, failures, outcome.Datagrams, _channel.Transport.Syscalls - syscallsBefore);
    }

    public void Dispose() => _channel.Dispose();

    private static IpvsClient Create(NetlinkSocket socket, int batchBytes)
    {
        NetlinkChannel? channel = null;
        try
        {
            channel = new NetlinkChannel(socket, batchBytes);
            return new IpvsClient(channel);
        }
        catch
        {
            if (channel is null)
            {
                socket.Dispose();
            }
            else
            {
                channel.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Runs the encoders' own checks on every operation before anything is sent, so a malformed one (or one this
    /// kernel cannot do) fails the whole call up front instead of half-way through the batch.
    /// </summary>
    private void Validate(IReadOnlyList<IpvsCommand> operations)
    {
        for (int index = 0; index < operations.Count; index++)
        {
            IpvsCommand operation = operations[index];
            try
            {
                switch (operation.Kind)
                {
                    case IpvsCommandKind.AddService or IpvsCommandKind.UpdateService:
                        IpvsMessages.ValidateService(operation.Service);
                        break;
                    case IpvsCommandKind.DeleteService:
                        IpvsMessages.ValidateServiceKey(operation.ServiceKey);
                        break;
                    case IpvsCommandKind.AddDestination or IpvsCommandKind.UpdateDestination:
                        IpvsMessages.ValidateDestination(operation.ServiceKey, operation.Server);
                        Features.EnsureSupported(operation.ServiceKey, operation.Server);
                        break;
                    case IpvsCommandKind.DeleteDestination:
                        IpvsMessages.ValidateDestinationKey(operation.ServiceKey, operation.Server.Key);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(operations), operation.Kind, "Unknown IPVS operation.");
                }
            }
            catch (ArgumentException exception)
            {
                throw new ArgumentException($"Operation {index} ({operation}) is invalid: {exception.Message}", nameof(operations), exception);
            }
        }
    }

    private static NetlinkRequestKind RequestKindOf(IpvsCommandKind kind) => kind switch
    {
        IpvsCommandKind.AddService or IpvsCommandKind.UpdateService => NetlinkRequestKind.ServiceWrite,
        IpvsCommandKind.DeleteService => NetlinkRequestKind.Service,
        _ => NetlinkRequestKind.Destination,
    };

    private static string Describe(in IpvsCommand operation) => operation.Kind switch
    {
        IpvsCommandKind.AddService => $"IPVS_CMD_NEW_SERVICE {operation.ServiceKey} (scheduler {operation.Service.Scheduler})",
        IpvsCommandKind.UpdateService => $"IPVS_CMD_SET_SERVICE {operation.ServiceKey} (scheduler {operation.Service.Scheduler})",
        IpvsCommandKind.DeleteService => $"IPVS_CMD_DEL_SERVICE {operation.ServiceKey}",
        IpvsCommandKind.AddDestination => $"IPVS_CMD_NEW_DEST {operation.Server.Key} ({operation.Server.Method}) to {operation.ServiceKey}",
        IpvsCommandKind.UpdateDestination => $"IPVS_CMD_SET_DEST {operation.Server.Key} ({operation.Server.Method}) of {operation.ServiceKey}",
        _ => $"IPVS_CMD_DEL_DEST {operation.Server.Key} from {operation.ServiceKey}",
    };

    private static void WriteOperation(ref NetlinkWriter writer, in IpvsCommand operation, in RequestHeader header)
    {
        switch (operation.Kind)
        {
            case IpvsCommandKind.AddService:
                IpvsMessages.WriteService(ref writer, header, IPVS_CMD_NEW_SERVICE, operation.Service);
                break;
            case IpvsCommandKind.UpdateService:
                IpvsMessages.WriteService(ref writer, header, IPVS_CMD_SET_SERVICE, operation.Service);
                break;
            case IpvsCommandKind.DeleteService:
                IpvsMessages.WriteServiceKey(ref writer, header, IPVS_CMD_DEL_SERVICE, operation.ServiceKey);
                break;
            case IpvsCommandKind.AddDestination:
                IpvsMessages.WriteDestination(ref writer, header, IPVS_CMD_NEW_DEST, operation.ServiceKey, operation.Server);
                break;
            case IpvsCommandKind.UpdateDestination:
                IpvsMessages.WriteDestination(ref writer, header, IPVS_CMD_SET_DEST, operation.ServiceKey, operation.Server);
                break;
            case IpvsCommandKind.DeleteDestination:
                IpvsMessages.WriteDestinationKey(ref writer, header, operation.ServiceKey, operation.Server.Key);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "Unknown IPVS operation.");
        }
    }

    private void WriteService(byte command, in VirtualService service)
    {
        VirtualService copy = service;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteService(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), command, copy),
            NetlinkRequestKind.ServiceWrite,
            $"{(command == IPVS_CMD_NEW_SERVICE ? "IPVS_CMD_NEW_SERVICE" : "IPVS_CMD_SET_SERVICE")} {copy.Key} (scheduler {copy.Scheduler})");
    }

    private void WriteDestination(byte command, in VirtualServiceKey service, in RealServer server)
    {
        Features.EnsureSupported(service, server);
        VirtualServiceKey serviceCopy = service;
        RealServer serverCopy = server;
        Execute(
            (ref writer, sequence) => IpvsMessages.WriteDestination(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), command, serviceCopy, serverCopy),
            NetlinkRequestKind.Destination,
            $"{(command == IPVS_CMD_NEW_DEST ? "IPVS_CMD_NEW_DEST" : "IPVS_CMD_SET_DEST")} {serverCopy.Key} ({serverCopy.Method}) to {serviceCopy}");
    }

    /// <summary>Fills the empty <paramref name="servers"/> with the real servers of <paramref name="service"/>, each once.</summary>
    private void DumpDestinations(in VirtualServiceKey service, List<RealServerEntry> servers, Action<NetlinkDecodeException>? onUnreadable)
    {
        VirtualServiceKey copy = service;
        int chunks = _channel.Dump(
            (ref writer, sequence) => IpvsMessages.WriteDumpDestinations(ref writer, Header(sequence, NetlinkKernel.NLM_F_DUMP), copy),
            NetlinkRequestKind.Destination,
            new OperationName("IPVS_CMD_GET_DEST (dump) of", copy),
            (in message) => AddDecoded(servers, message, (in reply) => IpvsMessages.ReadDestination(reply, copy.Family), onUnreadable, copy),
            servers.Clear);
        DropRepeats(servers, chunks, static (in entry) => entry.Server.Key, _serverKeys);
    }

    /// <summary>
    /// Drops every copy of a key in <paramref name="entries"/> (one dump's answer) but the last, keeping the order of
    /// the rest. An answer in one datagram came from one walk of the table under the IPVS lock and cannot repeat, so
    /// the search runs only for answers in several: for real servers that is a service with hundreds of them.
    /// </summary>
    private void DropRepeats<T, TKey>(List<T> entries, int chunks, KeyOf<T, TKey> keyOf, HashSet<TKey> seen)
    {
        if (chunks <= 1)
        {
            return;
        }

        // From the end, so that the copy kept is the one the kernel produced last; kept entries slide to the back.
        seen.Clear();
        Span<T> span = CollectionsMarshal.AsSpan(entries);
        int next = span.Length;
        for (int index = span.Length - 1; index >= 0; index--)
        {
            if (seen.Add(keyOf(span[index])) && --next != index)
            {
                span[next] = span[index];
            }
        }

        if (next > 0)
        {
            entries.RemoveRange(0, next);
            _repeatedEntriesDropped += next;
        }
    }

    /// <summary>Decodes one dump entry into <paramref name="entries"/>, or hands it to <paramref name="onUnreadable"/> when there is one.</summary>
    private static void AddDecoded<T>(
        List<T> entries, in NetlinkMessage message, ReplyReader<T> read, Action<NetlinkDecodeException>? onUnreadable, VirtualServiceKey? owner = null)
    {
        try
        {
            entries.Add(read(message));
        }
        catch (NetlinkDecodeException exception) when (onUnreadable is not null)
        {
            onUnreadable(owner is { } service ? new NetlinkDecodeException($"A real server of {service}: {exception.Message}", exception) : exception);
        }
    }

    private void Command(byte command, NetlinkRequestKind kind) => Execute(
        (ref writer, sequence) => IpvsMessages.WriteCommand(ref writer, Header(sequence, NetlinkKernel.NLM_F_ACK), command),
        kind,
        command == IPVS_CMD_FLUSH ? "IPVS_CMD_FLUSH" : "IPVS_CMD_ZERO");

    private void Execute(RequestWriter write, NetlinkRequestKind kind, OperationName operation, ReplyHandler? onReply = null) =>
        _channel.Execute(write, kind, operation, onReply);

    private RequestHeader Header(uint sequence, ushort flags) => new(_familyId, sequence, flags);

    private delegate TKey KeyOf<T, out TKey>(in T entry);
}
