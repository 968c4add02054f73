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
/// Counters are carried over (new entries start at zero).
/// </remarks>
public sealed class KernelTableEdit(KernelTable table)
{
    private readonly Dictionary<VirtualServiceKey, Entry?> _touched = [];
    private readonly HashSet<VirtualServiceKey> _modified = [];

    /// <summary>What the kernel would answer to <paramref name="operation"/> now: null when it takes it.</summary>
    public KernelErrorKind? Refusal(IpvsOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Entry? entry = Current(operation.ServiceKey);
        return operation.Kind switch
        {
            // An unreadable entry is still there: the kernel refuses to add its key again.
            IpvsOperationKind.AddService => entry is null && !table.UnreadableServices.ContainsKey(operation.ServiceKey) ? null : KernelErrorKind.AlreadyExists,
            _ when entry is null => KernelErrorKind.NoSuchService,
            IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService => null,
            IpvsOperationKind.AddServer => entry.Servers.ContainsKey(ServerOf(operation).Key) ? KernelErrorKind.AlreadyExists : null,
            _ => entry.Servers.ContainsKey(ServerOf(operation).Key) ? null : KernelErrorKind.NoSuchServer,
        };
    }

    /// <summary>Applies <paramref name="operation"/> when the kernel would take it; otherwise leaves the table as it is.</summary>
    /// <returns>The kernel's refusal, or null when applied.</returns>
    public KernelErrorKind? TryApply(IpvsOperation operation)
    {
        if (Refusal(operation) is { } refusal)
        {
            return refusal;
        }

        VirtualServiceKey key = operation.ServiceKey;
        Entry? entry = Current(key);
        _modified.Add(key);
        switch (operation.Kind)
        {
            case IpvsOperationKind.AddService:
                _touched[key] = new Entry(operation.Service, default, []);
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
                entry!.Servers[server.Key] = new KernelRealServer(server, entry.Servers[server.Key].Status);
                break;
            default:
                entry!.Servers.Remove(ServerOf(operation).Key);
                break;
        }

        return null;
    }

    /// <summary>Replaces the counters of a real server (for fakes that simulate connections).</summary>
    public void SetStatus(VirtualServiceKey service, RealServerKey server, RealServerStatus status)
    {
        Entry entry = Current(service) ?? throw new InvalidOperationException($"{service} is not in the table.");
        _modified.Add(service);
        entry.Servers[server] = entry.Servers[server] with { Status = status };
    }

    /// <summary>The table as edited: services nothing changed are the original's instances, and the original table is returned when nothing changed.</summary>
    public KernelTable ToTable()
    {
        if (_modified.Count == 0)
        {
            return table;
        }

        var changes = new Dictionary<VirtualServiceKey, KernelService?>(_modified.Count);
        foreach (VirtualServiceKey key in _modified)
        {
            changes[key] = _touched[key] is { } entry ? new KernelService(entry.Service, entry.Status, entry.Servers.Values) : null;
        }

        return table.With(changes);
    }

    private Entry? Current(VirtualServiceKey key)
    {
        if (!_touched.TryGetValue(key, out Entry? entry))
        {
            entry = table.TryGetService(key, out KernelService? service)
                ? new Entry(service.Service, service.Status, new Dictionary<RealServerKey, KernelRealServer>(service.RealServers))
                : null;
            _touched[key] = entry;
        }

        return entry;
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
