using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Core.Reconciling;

/// <summary>
/// Manual drains as a rule on the desired state: a drained real server is left out of it, so the planner drains it
/// (weight 0, deleted once idle or at the drain timeout) and keeps it out until the drain is cancelled.
/// </summary>
public static class ManualDrainFilter
{
    /// <summary>The desired state without the real servers these drains take out.</summary>
    /// <exception cref="FormatException">A drain's text does not parse: never read as "every service".</exception>
    public static DesiredState Apply(DesiredState desired, IReadOnlyList<ManualDrain> drains)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(drains);
        if (drains.Count == 0)
        {
            return desired;
        }

        var parsed = drains.Select(drain => (
            Service: drain.Service is not null ? KeyText.ParseServiceKey(drain.Service) : (VirtualServiceKey?)null,
            Server: drain.Server is not null ? KeyText.ParseRealServerKey(drain.Server) : (RealServerKey?)null)).ToList();
        if (parsed.Any(drain => drain.Service is null && drain.Server is null))
        {
            throw new FormatException("a drain names neither a service nor a server");
        }

        return desired.WithEachService(service => Drained(service, parsed));
    }

    /// <summary>The service without the real servers these drains name in it; the same instance when they name none.</summary>
    private static DesiredService Drained(DesiredService service, List<(VirtualServiceKey? Service, RealServerKey? Server)> drains)
    {
        Dictionary<RealServerKey, DesiredRealServer>? kept = null;
        foreach ((VirtualServiceKey? drainedService, RealServerKey? drainedServer) in drains)
        {
            if (drainedService is { } only && only != service.Key)
            {
                continue;
            }

            if (drainedServer is { } server)
            {
                if (service.RealServers.ContainsKey(server))
                {
                    (kept ??= new Dictionary<RealServerKey, DesiredRealServer>(service.RealServers)).Remove(server);
                }
            }
            else if (service.RealServers.Count > 0)
            {
                kept = [];
            }
        }

        return kept is null ? service : new DesiredService(service.Service, service.Source, kept, service.Names, service.Fallback, service.RemovedAtOnce);
    }
}
