using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Core.Reconciling;

/// <summary>
/// Health as a rule on the desired state: a checked real server that is down gets weight 0 or is left out (as its
/// check's <see cref="HealthCheck.OnFailure"/> says), and a service's fallback (sorry server) is put in only while no
/// other real server of it serves.
/// </summary>
public static class HealthFilter
{
    /// <param name="desired">The merged desired state.</param>
    /// <param name="health">The health of each checked real server; a checked server missing here counts as its check's start state.</param>
    public static DesiredState Apply(DesiredState desired, Func<HealthTarget, ServerHealth?> health)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(health);
        return desired.WithEachService(service => Apply(service, health));
    }

    private static DesiredService Apply(DesiredService service, Func<HealthTarget, ServerHealth?> health)
    {
        if (service.Fallback is null && !service.HasChecks)
        {
            return service;
        }

        Dictionary<RealServerKey, DesiredRealServer>? kept = null;
        HashSet<RealServerKey>? removed = null;
        bool anyServes = false;
        foreach ((RealServerKey key, DesiredRealServer server) in service.RealServers)
        {
            DesiredRealServer result = server;
            if (server.Check is { } check && !(health(new HealthTarget(service.Key, key))?.Up ?? check.StartsUp))
            {
                kept ??= new Dictionary<RealServerKey, DesiredRealServer>(service.RealServers);
                if (check.OnFailure == HealthFailureAction.Remove)
                {
                    kept.Remove(key);
                    (removed ??= []).Add(key);
                    continue;
                }

                result = server with { Server = server.Server.WithWeight(0) };
                kept[key] = result;
            }

            anyServes |= result.Server.Weight > 0;
        }

        if (!anyServes && service.Fallback is { } fallback && !service.RealServers.ContainsKey(fallback.Key))
        {
            kept ??= new Dictionary<RealServerKey, DesiredRealServer>(service.RealServers);
            kept[fallback.Key] = new DesiredRealServer(fallback, service.Source);
        }

        return kept is null ? service : new DesiredService(service.Service, service.Source, kept, service.Names, service.Fallback, removed);
    }
}
