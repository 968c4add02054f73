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

        var services = new Dictionary<VirtualServiceKey, DesiredService>();
        foreach ((VirtualServiceKey key, DesiredService service) in desired.Services)
        {
            var kept = service.RealServers
                .Where(server => !parsed.Any(drain => (drain.Service is null || drain.Service == key) && (drain.Server is null || drain.Server == server.Key)))
                .ToDictionary(pair => pair.Key, pair => pair.Value);
            services[key] = kept.Count == service.RealServers.Count ? service : new DesiredService(service.Service, service.Source, kept, service.Names, service.Fallback, service.RemovedAtOnce);
        }

        return new DesiredState(desired.Revision, services);
    }
}
