using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Reconciling;

/// <summary>
/// A kernel table edited by operations as the kernel applies them: the one model of "apply an operation to a table",
/// shared by the reconciler's projection (<see cref="KernelTableProjection"/>) and every test fake of the kernel.
/// </summary>
/// <remarks>
/// The kernel's refusals, from <c>ip_vs_ctl.c</c>: adding a service or a real server that exists is EEXIST; changing
/// or deleting a missing service, or any real-server command in one, is ESRCH; changing or deleting a missing real
/// server is ENOENT. Copy on touch: an edit of one real server among 10k services copies that service only.
/// Counters are carried over (new entries start at zero). One edit makes one table: <see cref="ToTable"/> hands the
/// edited services' real-server maps to it, so the edit takes nothing after that.
/// </remarks>
public sealed class KernelTableEdit(KernelTable table)
{
    private readonly Dictionary<VirtualServiceKey, Entry?> _touched = [];
    private readonly HashSet<VirtualServiceKey> _modified = [];
    private bool _made;

    /// <summary>What the kernel would answer to <paramref name="operation"/> now: null when it takes it.</summary>
    public KernelErrorKind? Refusal(IpvsOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Answer(operation, Current(operation.ServiceKey, 0));
    }

    /// <summary>Applies <paramref name="operation"/> when the kernel would take it; otherwise leaves the table as it is.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="serversToAdd">
    /// Real servers about to be added to the operation's service, when it is the first to touch it: its map is made
    /// that much larger at once instead of growing through 3, 7 and 17 slots (a 10k x 10 table from empty: 60 MB of
    /// garbage less).
    /// </param>
    /// <returns>The kernel's refusal, or null when applied.</returns>
    public KernelErrorKind? TryApply(IpvsOperation operation, int serversToAdd = 0)
    {
        ArgumentNullException.ThrowIfNull(operation);
        VirtualServiceKey key = operation.ServiceKey;
        Entry? entry = Current(key, serversToAdd);
        if (Answer(operation, entry) is { } refusal)
        {
            return refusal;
        }

        _modified.Add(key);
        switch (operation.Kind)
        {
            case IpvsOperationKind.AddService:
                _touched[key] = new Entry(operation.Service, default, new Dictionary<RealServerKey, KernelRealServer>(serversToAdd));
                break;
            case IpvsOperationKind.UpdateService:
                entry!.Service = operation.Service;
                break;
            case IpvsOperationKind.DeleteService:
                _touched[key] = null;
                break;
            case IpvsOperationKind.AddServer:
                entry!.Servers[ServerOf(operation).Key] = new KernelRealServer(ServerOf(operation), default);
                break;
            case IpvsOperationKind.UpdateServer:
                RealServer server = ServerOf(operation);
                entry!.Servers[server.Key] = entry.Servers[server.Key] with { Server = server };
                break;
            default:
                entry!.Servers.Remove(ServerOf(operation).Key);
                break;
        }

        return null;
    }

    private KernelErrorKind? Answer(IpvsOperation operation, Entry? entry) => operation.Kind switch
    {
        // An unreadable entry is still there: the kernel refuses to add its key again.
        IpvsOperationKind.AddService => entry is null && !table.UnreadableServices.ContainsKey(operation.ServiceKey) ? null : KernelErrorKind.AlreadyExists,
        _ when entry is null => KernelErrorKind.NoSuchService,
        IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService => null,
        IpvsOperationKind.AddServer => entry.Servers.ContainsKey(ServerOf(operation).Key) ? KernelErrorKind.AlreadyExists : null,
        _ => entry.Servers.ContainsKey(ServerOf(operation).Key) ? null : KernelErrorKind.NoSuchServer,
    };

    /// <summary>Replaces the connection counts of a real server (for fakes that simulate connections).</summary>
    public void SetConnections(VirtualServiceKey service, RealServerKey server, RealServerConnections connections)
    {
        Entry entry = Current(service, 0) ?? throw new InvalidOperationException($"{service} is not in the table.");
        _modified.Add(service);
        entry.Servers[server] = entry.Servers[server] with { Connections = connections };
    }

    /// <summary>The table as edited: services nothing changed are the original's instances, and the original table is returned when nothing changed.</summary>
    /// <exception cref="InvalidOperationException">The edit already made its table.</exception>
    public KernelTable ToTable()
    {
        ThrowIfMade();
        _made = true;
        if (_modified.Count == 0)
        {
            return table;
        }

        var changes = new Dictionary<VirtualServiceKey, KernelService?>(_modified.Count);
        foreach (VirtualServiceKey key in _modified)
        {
            changes[key] = _touched[key] is { } entry ? KernelService.Adopt(entry.Service, entry.Status, entry.Servers) : null;
        }

        return table.With(changes);
    }

    /// <param name="key">The service.</param>
    /// <param name="serversToAdd">Room to make beyond the real servers it has, when this is its first touch.</param>
    private Entry? Current(VirtualServiceKey key, int serversToAdd)
    {
        ThrowIfMade();
        if (!_touched.TryGetValue(key, out Entry? entry))
        {
            entry = table.TryGetService(key, out KernelService? service)
                ? new Entry(service.Service, service.Status, Copy(service.RealServers, serversToAdd))
                : null;
            _touched[key] = entry;
        }

        return entry;
    }

    private static Dictionary<RealServerKey, KernelRealServer> Copy(IReadOnlyDictionary<RealServerKey, KernelRealServer> servers, int serversToAdd)
    {
        if (serversToAdd == 0)
        {
            return new Dictionary<RealServerKey, KernelRealServer>(servers);
        }

        var copy = new Dictionary<RealServerKey, KernelRealServer>(servers.Count + serversToAdd);
        foreach ((RealServerKey key, KernelRealServer server) in servers)
        {
            copy.Add(key, server);
        }

        return copy;
    }

    private void ThrowIfMade()
    {
        if (_made)
        {
            throw new InvalidOperationException("This edit already made its table; start a new edit from that table.");
        }
    }

    private static RealServer ServerOf(IpvsOperation operation) =>
        operation.Server ?? throw new ArgumentException($"{operation.Kind} of {operation.ServiceKey} has no real server.", nameof(operation));

    private sealed class Entry(VirtualService service, ServiceStatus status, Dictionary<RealServerKey, KernelRealServer> servers)
    {
        public VirtualService Service { get; set; } = service;

        public ServiceStatus Status { get; } = status;

        public Dictionary<RealServerKey, KernelRealServer> Servers { get; } = servers;
    }
}
