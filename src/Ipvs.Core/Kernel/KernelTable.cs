using Ipvs.Core.Model;

namespace Ipvs.Core.Kernel;

/// <summary>A real server as a kernel dump reports it: its configuration and what the kernel observed.</summary>
public readonly record struct KernelRealServer(RealServer Server, RealServerConnections Connections)
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
        // Sized up front: growing 10 entries through 3, 7 and 17 slots was most of a 100k-server table's garbage.
        var byKey = realServers.TryGetNonEnumeratedCount(out int count)
            ? new Dictionary<RealServerKey, KernelRealServer>(count)
            : new Dictionary<RealServerKey, KernelRealServer>();
        foreach (KernelRealServer realServer in realServers)
        {
            if (!byKey.TryAdd(realServer.Key, realServer))
            {
                throw new ArgumentException($"{service.Key}: real server {realServer.Key} appears twice.", nameof(realServers));
            }
        }

        RealServers = byKey;
    }

    private KernelService(VirtualService service, ServiceStatus status, Dictionary<RealServerKey, KernelRealServer> realServers)
    {
        Service = service;
        Status = status;
        RealServers = realServers;
    }

    /// <summary>A service over <paramref name="realServers"/> itself, not a copy: its maker gives the map up (<see cref="Reconciling.KernelTableEdit"/>).</summary>
    internal static KernelService Adopt(VirtualService service, ServiceStatus status, Dictionary<RealServerKey, KernelRealServer> realServers) =>
        new(service, status, realServers);

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
    private static readonly IReadOnlyDictionary<VirtualServiceKey, string> _noUnreadableServices = new Dictionary<VirtualServiceKey, string>();

    public static readonly KernelTable Empty = new(new Dictionary<VirtualServiceKey, KernelService>(), [], _noUnreadableServices);

    private readonly Dictionary<VirtualServiceKey, KernelService> _services;

    private KernelTable(Dictionary<VirtualServiceKey, KernelService> services, IReadOnlyList<string> unreadable, IReadOnlyDictionary<VirtualServiceKey, string> unreadableServices)
    {
        _services = services;
        Unreadable = unreadable;
        UnreadableServices = unreadableServices;
    }

    public IReadOnlyDictionary<VirtualServiceKey, KernelService> Services => _services;

    /// <summary>
    /// Entries the read found but could not represent, each as a sentence naming it and why (e.g. a foreign service
    /// whose IPv4 persistence netmask has no prefix form). They are not in <see cref="Services"/>: nothing is
    /// planned against them, so they are left alone.
    /// </summary>
    public IReadOnlyList<string> Unreadable { get; }

    /// <summary>
    /// The unreadable services whose key could be read, with the sentence from <see cref="Unreadable"/>: the kernel holds
    /// an entry with that key, so a desired service with it collides with one the agent cannot compare or change.
    /// </summary>
    public IReadOnlyDictionary<VirtualServiceKey, string> UnreadableServices { get; }

    /// <summary>The services in <see cref="KeyOrder"/>.</summary>
    public IEnumerable<KernelService> OrderedServices => _services.Values.OrderBy(service => service.Key, KeyOrder.Instance);

    public static KernelTable Create(IEnumerable<KernelService> services, IReadOnlyList<string>? unreadable = null,
        IReadOnlyDictionary<VirtualServiceKey, string>? unreadableServices = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var byKey = services.TryGetNonEnumeratedCount(out int count)
            ? new Dictionary<VirtualServiceKey, KernelService>(count)
            : new Dictionary<VirtualServiceKey, KernelService>();
        foreach (KernelService service in services)
        {
            if (!byKey.TryAdd(service.Key, service))
            {
                throw new ArgumentException($"Virtual service {service.Key} appears twice.", nameof(services));
            }
        }

        return new KernelTable(byKey, unreadable ?? [], unreadableServices ?? _noUnreadableServices);
    }

    /// <summary>
    /// This table with some services replaced, added (a non-null value) or removed (null); the rest are shared, not
    /// copied, so a change to one service of 10k costs one dictionary copy instead of a rebuild.
    /// </summary>
    public KernelTable With(IReadOnlyDictionary<VirtualServiceKey, KernelService?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return this;
        }

        var byKey = new Dictionary<VirtualServiceKey, KernelService>(_services);
        foreach ((VirtualServiceKey key, KernelService? service) in changes)
        {
            if (service is null)
            {
                byKey.Remove(key);
            }
            else if (service.Key != key)
            {
                throw new ArgumentException($"The change for {key} is a service with key {service.Key}.", nameof(changes));
            }
            else
            {
                byKey[key] = service;
            }
        }

        return new KernelTable(byKey, Unreadable, UnreadableServices);
    }

    public bool TryGetService(VirtualServiceKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KernelService? service) =>
        _services.TryGetValue(key, out service);
}
