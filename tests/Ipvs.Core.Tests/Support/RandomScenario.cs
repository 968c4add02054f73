using System.Collections.Immutable;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Core.Tests.Support;

/// <summary>
/// A random but reproducible planning input: desired state, kernel table (with foreign and unreadable entries), ownership record
/// (with live, expired and stale drains). Keys and servers come from small pools so that collisions are frequent.
/// </summary>
internal sealed record RandomScenario(int Seed, DesiredState Desired, KernelTable Kernel, OwnershipRecord Ownership)
{
    private static readonly VirtualServiceKey[] KeyPool =
    [
        Build.Tcp("10.99.0.1", 80), Build.Tcp("10.99.0.1", 443), Build.Tcp("10.99.0.2", 80), Build.Udp("10.99.0.1", 53),
        Build.Udp("10.99.0.3", 53), Build.Tcp("fd00::1", 80), Build.Tcp("10.50.0.1", 80),
        VirtualServiceKey.ForFirewallMark(IpFamily.V4, 5), VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7),
        VirtualServiceKey.ForFirewallMark(IpFamily.V4, 500),
    ];

    private static readonly string[] V4Servers = ["10.1.1.1", "10.1.1.2", "10.1.1.3", "10.1.1.4"];
    private static readonly string[] V6Servers = ["fd00::a", "fd00::b", "fd00::c"];

    public static RandomScenario Generate(int seed)
    {
        var random = new Random(seed);
        var declarations = new List<ServiceDeclaration>();
        var kernel = new List<KernelService>();
        var owned = ImmutableHashSet.CreateBuilder<VirtualServiceKey>();
        var drains = ImmutableDictionary.CreateBuilder<DrainKey, Drain>();
        var unreadable = new Dictionary<VirtualServiceKey, string>();

        foreach (VirtualServiceKey key in KeyPool)
        {
            string[] pool = key.Family == IpFamily.V6 ? V6Servers : V4Servers;
            VirtualService? desired = null;
            Dictionary<RealServerKey, RealServer> desiredServers = [];
            if (random.Next(2) == 0)
            {
                desired = RandomService(random, key);
                foreach (string address in pool.Where(_ => random.Next(2) == 0))
                {
                    RealServer server = RandomServer(random, address);
                    desiredServers[server.Key] = server;
                }

                declarations.Add(new ServiceDeclaration(Build.StaticSource, desired.Value, desiredServers.Values.ToList()));
            }

            bool isOwned = random.Next(2) == 0;
            if (isOwned)
            {
                owned.Add(key);
            }

            if (random.Next(2) == 0)
            {
                VirtualService service = desired is not null && random.Next(2) == 0 ? desired.Value : RandomService(random, key);
                var servers = new List<KernelRealServer>();
                foreach (string address in pool.Where(_ => random.Next(2) == 0))
                {
                    RealServer server = RandomServer(random, address);
                    if (desiredServers.TryGetValue(server.Key, out RealServer wanted) && random.Next(2) == 0)
                    {
                        server = wanted;
                    }

                    uint connections = (uint)(random.Next(3) == 0 ? 0 : random.Next(1, 20));
                    servers.Add(new KernelRealServer(server, Build.Connections(connections, (uint)random.Next(3))));
                    if (isOwned && random.Next(3) == 0)
                    {
                        AddDrain(random, drains, key, server.Key);
                    }
                }

                kernel.Add(new KernelService(service, default, servers));
            }
            else if (random.Next(4) == 0)
            {
                // An entry with this key that the read could not decode (the planner must leave it alone).
                unreadable[key] = $"Service {key}: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).";
            }

            if (isOwned && random.Next(5) == 0)
            {
                // A stale drain: its real server is not (or no longer) in the kernel.
                AddDrain(random, drains, key, new RealServerKey(NetAddress.Parse(pool[random.Next(pool.Length)]), 9999));
            }
        }

        return new RandomScenario(
            seed,
            new DesiredStateMerger().Merge(seed, declarations).State,
            KernelTable.Create(kernel, [.. unreadable.Values], unreadable),
            new OwnershipRecord(owned.ToImmutable(), drains.ToImmutable()));
    }

    private static void AddDrain(Random random, ImmutableDictionary<DrainKey, Drain>.Builder drains, VirtualServiceKey key, RealServerKey server)
    {
        DateTimeOffset deadline = Build.Now + TimeSpan.FromMinutes(random.Next(2) == 0 ? -1 : 4);
        drains[new DrainKey(key, server)] = new Drain(key, server, Build.Now - TimeSpan.FromMinutes(1), deadline);
    }

    private static VirtualService RandomService(Random random, VirtualServiceKey key)
    {
        VirtualService service = VirtualService.Create(key, random.Next(2) == 0 ? "rr" : "wrr");
        return random.Next(3) == 0
            ? service with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 300 }
            : service;
    }

    private static RealServer RandomServer(Random random, string address) => new(
        NetAddress.Parse(address),
        8080,
        random.Next(2) == 0 ? ForwardingMethod.Masquerade : ForwardingMethod.Route,
        random.Next(4),
        UpperThreshold: random.Next(4) == 0 ? 10u : 0u);
}
