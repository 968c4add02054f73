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

        // Copy on touch, as HealthFilter does: a service no drain reaches keeps its instance, and the state keeps its
        // dictionary when no drain reaches any (every pass applies the drains, events' passes too).
        Dictionary<VirtualServiceKey, DesiredService>? changed = null;
        foreach ((VirtualServiceKey key, DesiredService service) in desired.Services)
        {
            Dictionary<RealServerKey, DesiredRealServer>? kept = null;
            foreach ((VirtualServiceKey? drainedService, RealServerKey? drainedServer) in parsed)
            {
                if (drainedService is { } only && only != key)
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

            if (kept is not null)
            {
                (changed ??= new Dictionary<VirtualServiceKey, DesiredService>(desired.Services))[key] =
                    new DesiredService(service.Service, service.Source, kept, service.Names, service.Fallback, service.RemovedAtOnce);
            }
        }

        return changed is null ? desired : new DesiredState(desired.Revision, changed);
    }
}
