using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Tests.Support;

/// <summary>
/// Applies plans to an in-memory table, refusing what the kernel refuses (adding what exists, changing or deleting
/// what does not, adding a real server to a missing service) plus deleting a service that still has real servers,
/// which the kernel allows but our plans must never do.
/// </summary>
internal sealed class InMemoryKernel
{
    private readonly Dictionary<VirtualServiceKey, (VirtualService Service, ServiceStatus Status, Dictionary<RealServerKey, KernelRealServer> Servers)> _services = [];

    public InMemoryKernel(KernelTable table)
    {
        foreach (KernelService service in table.Services.Values)
        {
            _services[service.Key] = (service.Service, service.Status, service.RealServers.Values.ToDictionary(server => server.Key));
        }
    }

    public void Apply(IEnumerable<IpvsOperation> operations)
    {
        foreach (IpvsOperation operation in operations)
        {
            Apply(operation);
        }
    }

    public void Apply(IpvsOperation operation)
    {
        VirtualServiceKey key = operation.ServiceKey;
        bool exists = _services.TryGetValue(key, out var service);
        switch (operation.Kind)
        {
            case IpvsOperationKind.AddService:
                Require(!exists, operation, "service exists (EEXIST)");
                _services[key] = (operation.Service, default, []);
                break;
            case IpvsOperationKind.UpdateService:
                Require(exists, operation, "no such service (ESRCH)");
                _services[key] = (operation.Service, service.Status, service.Servers);
                break;
            case IpvsOperationKind.DeleteService:
                Require(exists, operation, "no such service (ESRCH)");
                Require(service.Servers.Count == 0, operation, $"service still has {service.Servers.Count} real servers");
                _services.Remove(key);
                break;
            case IpvsOperationKind.AddServer:
                Require(exists, operation, "no such service (ESRCH)");
                Require(!service.Servers.ContainsKey(operation.Server!.Value.Key), operation, "real server exists (EEXIST)");
                service.Servers[operation.Server!.Value.Key] = new KernelRealServer(operation.Server.Value, default);
                break;
            case IpvsOperationKind.UpdateServer:
                Require(exists, operation, "no such service (ESRCH)");
                Require(service.Servers.TryGetValue(operation.Server!.Value.Key, out KernelRealServer current), operation, "no such real server (ENOENT)");
                service.Servers[current.Key] = current with { Server = operation.Server.Value };
                break;
            case IpvsOperationKind.DeleteServer:
                Require(exists, operation, "no such service (ESRCH)");
                Require(service.Servers.Remove(operation.Server!.Value.Key), operation, "no such real server (ENOENT)");
                break;
            default:
                throw new InvalidOperationException($"Unknown operation {operation.Kind}.");
        }
    }

    public KernelTable ToTable() =>
        KernelTable.Create(_services.Values.Select(service => new KernelService(service.Service, service.Status, service.Servers.Values)));

    private static void Require(bool condition, IpvsOperation operation, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"The kernel refuses '{operation}': {problem}.");
        }
    }
}
