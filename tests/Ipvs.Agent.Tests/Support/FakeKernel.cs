using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Agent.Tests.Support;

/// <summary>An in-memory IPVS table that applies planned operations like the kernel would (EEXIST, ESRCH, ENOENT).</summary>
internal sealed class FakeKernel : IKernelGateway
{
    private readonly Dictionary<VirtualServiceKey, (VirtualService Service, Dictionary<RealServerKey, KernelRealServer> Servers)> _services = [];

    public int Reads { get; private set; }

    public List<IpvsOperation> Applied { get; } = [];

    /// <summary>Operations for which this returns an error are rejected with it.</summary>
    public Func<IpvsOperation, string?> Reject { get; set; } = _ => null;

    /// <summary>When set, <see cref="ReadTable"/> throws it (a failed dump).</summary>
    public Exception? ReadFailure { get; set; }

    /// <summary>Services the next <see cref="ReadTable"/> leaves out although they exist, as a kernel dump that a change crossed can.</summary>
    public HashSet<VirtualServiceKey> MissedByNextRead { get; } = [];

    public bool Disposed { get; private set; }

    public void AddService(VirtualService service, params RealServer[] servers) =>
        _services[service.Key] = (service, servers.ToDictionary(server => server.Key, server => new KernelRealServer(server, default)));

    public void SetConnections(VirtualServiceKey service, RealServerKey server, uint active) =>
        _services[service].Servers[server] = _services[service].Servers[server] with { Status = new RealServerStatus(active, 0, 0, default) };

    public void Remove(VirtualServiceKey key) => _services.Remove(key);

    public KernelTable ReadTable()
    {
        Reads++;
        if (ReadFailure is { } failure)
        {
            throw failure;
        }

        var missed = MissedByNextRead.ToHashSet();
        MissedByNextRead.Clear();
        return KernelTable.Create(
            _services.Values.Where(entry => !missed.Contains(entry.Service.Key)).Select(entry => new KernelService(entry.Service, default, entry.Servers.Values)),
            [.. Unreadable]);
    }

    /// <summary>Entries every read reports as undecodable (see <see cref="KernelTable.Unreadable"/>).</summary>
    public List<string> Unreadable { get; } = [];

    public KernelService? Find(VirtualServiceKey key) => ReadTableQuietly().TryGetService(key, out KernelService? service) ? service : null;

    public ApplyOutcome Apply(IReadOnlyList<IpvsOperation> operations)
    {
        var failures = new List<OperationFailure>();
        foreach (IpvsOperation operation in operations)
        {
            string? error = Reject(operation) ?? Execute(operation);
            if (error is null)
            {
                Applied.Add(operation);
            }
            else
            {
                failures.Add(new OperationFailure(operation, error, KindOf(operation, error)));
            }
        }

        return new ApplyOutcome(operations.Count, failures, operations.Count == 0 ? 0 : 1);
    }

    public bool HasService(VirtualServiceKey key) => _services.ContainsKey(key);

    public void Dispose() => Disposed = true;

    /// <summary>As the gateway classifies the kernel's errno: ENOENT means "no such real server" only for real-server commands.</summary>
    private static FailureKind KindOf(IpvsOperation operation, string error) =>
        error.StartsWith("EEXIST", StringComparison.Ordinal) ? FailureKind.AlreadyExists
        : error.StartsWith("ESRCH", StringComparison.Ordinal) ? FailureKind.NoSuchService
        : error.StartsWith("ENOENT", StringComparison.Ordinal) && operation.Server is not null ? FailureKind.NoSuchServer
        : FailureKind.Other;

    private KernelTable ReadTableQuietly() =>
        KernelTable.Create(_services.Values.Select(entry => new KernelService(entry.Service, default, entry.Servers.Values)));

    private string? Execute(IpvsOperation operation)
    {
        VirtualServiceKey key = operation.ServiceKey;
        bool exists = _services.TryGetValue(key, out var entry);
        switch (operation.Kind)
        {
            case IpvsOperationKind.AddService:
                if (exists)
                {
                    return "EEXIST: service exists";
                }

                _services[key] = (operation.Service, []);
                return null;
            case IpvsOperationKind.UpdateService:
                if (!exists)
                {
                    return "ESRCH: no such service";
                }

                _services[key] = entry with { Service = operation.Service };
                return null;
            case IpvsOperationKind.DeleteService:
                return exists && _services.Remove(key) ? null : "ESRCH: no such service";
            default:
                if (!exists)
                {
                    return "ESRCH: no such service";
                }

                RealServer server = operation.Server!.Value;
                bool has = entry.Servers.ContainsKey(server.Key);
                switch (operation.Kind)
                {
                    case IpvsOperationKind.AddServer when has:
                        return "EEXIST: real server exists";
                    case IpvsOperationKind.AddServer:
                    case IpvsOperationKind.UpdateServer when has:
                        entry.Servers[server.Key] = new KernelRealServer(server, has ? entry.Servers[server.Key].Status : default);
                        return null;
                    case IpvsOperationKind.DeleteServer when has:
                        entry.Servers.Remove(server.Key);
                        return null;
                    default:
                        return "ENOENT: no such real server";
                }
        }
    }
}
