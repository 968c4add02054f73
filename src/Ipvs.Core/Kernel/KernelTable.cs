using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Kernel;

/// <summary>A real server as a kernel dump reports it: its configuration and what the kernel observed.</summary>
public readonly record struct KernelRealServer(RealServer Server, RealServerStatus Status)
{
    public RealServerKey Key => Server.Key;
}

/// <summary>A virtual service as a kernel dump reports it, with its real servers.</summary>
public sealed class KernelService
{
    public KernelService(VirtualService service, ServiceStatus status, IEnumerable<KernelRealServer> realServers)
    {
        ArgumentNullException.ThrowIfNull(realServers);
        Service = service;
        Status = status;
        var byKey = new Dictionary<RealServerKey, KernelRealServer>();
        foreach (KernelRealServer realServer in realServers)
        {
            if (!byKey.TryAdd(realServer.Key, realServer))
            {
                throw new ArgumentException($"{service.Key}: real server {realServer.Key} appears twice.", nameof(realServers));
            }
        }

        RealServers = byKey;
    }

    public VirtualService Service { get; }

    public VirtualServiceKey Key => Service.Key;

    public ServiceStatus Status { get; }

    public IReadOnlyDictionary<RealServerKey, KernelRealServer> RealServers { get; }

    /// <summary>The real servers in <see cref="KeyOrder"/>.</summary>
    public IEnumerable<KernelRealServer> OrderedRealServers => RealServers.Values.OrderBy(server => server.Key, KeyOrder.Instance);
}

/// <summary>
/// A snapshot of the kernel's IPVS table: what one dump (netlink, or <c>ipvsadm -Sn</c>) yields. Immutable.
/// </summary>
public sealed class KernelTable
{
    public static readonly KernelTable Empty = new(new Dictionary<VirtualServiceKey, KernelService>());

    private readonly Dictionary<VirtualServiceKey, KernelService> _services;

    private KernelTable(Dictionary<VirtualServiceKey, KernelService> services) => _services = services;

    public IReadOnlyDictionary<VirtualServiceKey, KernelService> Services => _services;

    /// <summary>The services in <see cref="KeyOrder"/>.</summary>
    public IEnumerable<KernelService> OrderedServices => _services.Values.OrderBy(service => service.Key, KeyOrder.Instance);

    public static KernelTable Create(IEnumerable<KernelService> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var byKey = new Dictionary<VirtualServiceKey, KernelService>();
        foreach (KernelService service in services)
        {
            if (!byKey.TryAdd(service.Key, service))
            {
                throw new ArgumentException($"Virtual service {service.Key} appears twice.", nameof(services));
            }
        }

        return new KernelTable(byKey);
    }

    public bool TryGetService(VirtualServiceKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KernelService? service) =>
        _services.TryGetValue(key, out service);
}
