using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// The table as it must be after a set of operations succeeded, without asking the kernel again: lets a change of one
/// real server among 10k services be planned and applied with O(1) netlink requests between full resyncs.
/// </summary>
/// <remarks>Counters are carried over from the last dump (new entries start at zero), so drains wait for the next dump to see connections go.</remarks>
internal static class KernelTableProjection
{
    public static KernelTable Apply(KernelTable table, IEnumerable<IpvsOperation> succeeded)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(succeeded);
        var touched = new Dictionary<VirtualServiceKey, (VirtualService Service, ServiceStatus Status, Dictionary<RealServerKey, KernelRealServer> Servers)?>();

        (VirtualService Service, ServiceStatus Status, Dictionary<RealServerKey, KernelRealServer> Servers)? Current(VirtualServiceKey key)
        {
            if (!touched.TryGetValue(key, out var entry))
            {
                entry = table.TryGetService(key, out KernelService? service)
                    ? (service.Service, service.Status, service.RealServers.ToDictionary(pair => pair.Key, pair => pair.Value))
                    : null;
                touched[key] = entry;
            }

            return entry;
        }

        foreach (IpvsOperation operation in succeeded)
        {
            VirtualServiceKey key = operation.ServiceKey;
            var entry = Current(key);
            switch (operation.Kind)
            {
                case IpvsOperationKind.AddService:
                    touched[key] = (operation.Service, default, entry?.Servers ?? []);
                    break;
                case IpvsOperationKind.UpdateService when entry is { } existing:
                    touched[key] = existing with { Service = operation.Service };
                    break;
                case IpvsOperationKind.DeleteService:
                    touched[key] = null;
                    break;
                case IpvsOperationKind.AddServer when entry is { } existing && operation.Server is { } server:
                    existing.Servers[server.Key] = new KernelRealServer(server, default);
                    break;
                case IpvsOperationKind.UpdateServer when entry is { } existing && operation.Server is { } server:
                    existing.Servers[server.Key] = new KernelRealServer(server, existing.Servers.TryGetValue(server.Key, out KernelRealServer old) ? old.Status : default);
                    break;
                case IpvsOperationKind.DeleteServer when entry is { } existing && operation.Server is { } server:
                    existing.Servers.Remove(server.Key);
                    break;
                default:
                    break;
            }
        }

        if (touched.Count == 0)
        {
            return table;
        }

        var changes = new Dictionary<VirtualServiceKey, KernelService?>(touched.Count);
        foreach ((VirtualServiceKey key, var entry) in touched)
        {
            changes[key] = entry is { } service ? new KernelService(service.Service, service.Status, service.Servers.Values) : null;
        }

        return table.With(changes);
    }
}
