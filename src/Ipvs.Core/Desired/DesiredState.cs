using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Core.Desired;

/// <summary>A real server someone asked for, who, and how it is checked (null: not checked).</summary>
public sealed record DesiredRealServer(RealServer Server, DesiredSource Source, HealthCheck? Check = null)
{
    public RealServerKey Key => Server.Key;
}

/// <summary>A virtual service someone asked for, who asked for it, and its real servers (each with its own source).</summary>
public sealed class DesiredService
{
    private static readonly IReadOnlySet<RealServerKey> EmptyKeys = new HashSet<RealServerKey>();

    public DesiredService(
        VirtualService service,
        DesiredSource source,
        IReadOnlyDictionary<RealServerKey, DesiredRealServer> realServers,
        IReadOnlyList<string>? names = null,
        RealServer? fallback = null,
        IReadOnlySet<RealServerKey>? removedAtOnce = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(realServers);
        Service = service;
        Source = source;
        RealServers = realServers;
        Names = names ?? [];
        Fallback = fallback;
        RemovedAtOnce = removedAtOnce ?? EmptyKeys;
        HasChecks = realServers.Values.Any(server => server.Check is not null);
    }

    public VirtualService Service { get; }

    public VirtualServiceKey Key => Service.Key;

    public DesiredSource Source { get; }

    public IReadOnlyDictionary<RealServerKey, DesiredRealServer> RealServers { get; }

    /// <summary>The names its declarations gave it (first declaration first, no repeats): what the DNS responder answers.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The sorry server: served only while no other real server of the service is (see <see cref="Reconciling.HealthFilter"/>).</summary>
    public RealServer? Fallback { get; }

    /// <summary>
    /// Real servers left out because their check failed with <c>on-failure: remove</c>: deleted at once, not drained
    /// (a backend that fails its check has no connections worth waiting for, and a drain would keep it for minutes).
    /// </summary>
    public IReadOnlySet<RealServerKey> RemovedAtOnce { get; }

    /// <summary>Whether any of its real servers is checked.</summary>
    public bool HasChecks { get; }
}

/// <summary>
/// An immutable snapshot of everything the agent should have in the kernel. A source change builds a new one with a
/// higher <see cref="Revision"/> (see <see cref="DesiredStateMerger"/>); the reconcile loop plans from the latest.
/// </summary>
public sealed class DesiredState
{
    public static readonly DesiredState Empty = new(0, new Dictionary<VirtualServiceKey, DesiredService>());

    public DesiredState(long revision, IReadOnlyDictionary<VirtualServiceKey, DesiredService> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Revision = revision;
        Services = services;
    }

    public long Revision { get; }

    public IReadOnlyDictionary<VirtualServiceKey, DesiredService> Services { get; }

    /// <summary>
    /// This state with each service passed through <paramref name="rule"/>, copied on touch: a service the rule returns
    /// as it was keeps its instance (the planner tells changed services by reference), and when the rule changes none
    /// the state itself is returned (rules such as health and drains run on every pass, an event's too).
    /// </summary>
    public DesiredState WithEachService(Func<DesiredService, DesiredService> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Dictionary<VirtualServiceKey, DesiredService>? changed = null;
        foreach ((VirtualServiceKey key, DesiredService service) in Services)
        {
            DesiredService ruled = rule(service);
            if (!ReferenceEquals(ruled, service))
            {
                (changed ??= new Dictionary<VirtualServiceKey, DesiredService>(Services))[key] = ruled;
            }
        }

        return changed is null ? this : new DesiredState(Revision, changed);
    }
}
