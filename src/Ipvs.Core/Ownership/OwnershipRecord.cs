using System.Collections.Immutable;
using Ipvs.Core.Draining;
using Ipvs.Core.Model;

namespace Ipvs.Core.Ownership;

/// <summary>
/// What the agent owns in the kernel: the virtual services it created (it controls them fully), and the real servers
/// it is draining. Everything else in the kernel belongs to someone else and is never touched. Immutable; the
/// planner returns the next record with its plan, and the agent journals it to disk.
/// </summary>
public sealed class OwnershipRecord : IEquatable<OwnershipRecord>
{
    public static readonly OwnershipRecord Empty = new(ImmutableHashSet<VirtualServiceKey>.Empty, ImmutableDictionary<DrainKey, Drain>.Empty);

    public OwnershipRecord(ImmutableHashSet<VirtualServiceKey> services, ImmutableDictionary<DrainKey, Drain> drains)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(drains);
        foreach (Drain drain in drains.Values)
        {
            if (!services.Contains(drain.Service))
            {
                throw new ArgumentException($"Drain of {drain.Key} is for a service that is not owned.", nameof(drains));
            }
        }

        Services = services;
        Drains = drains;
    }

    public ImmutableHashSet<VirtualServiceKey> Services { get; }

    public ImmutableDictionary<DrainKey, Drain> Drains { get; }

    public bool Owns(VirtualServiceKey service) => Services.Contains(service);

    public OwnershipRecord WithService(VirtualServiceKey service) => new(Services.Add(service), Drains);

    /// <summary>Forgets a service and every drain in it.</summary>
    public OwnershipRecord WithoutService(VirtualServiceKey service) =>
        new(Services.Remove(service), Drains.RemoveRange(Drains.Keys.Where(key => key.Service == service)));

    /// <summary>Records a drain; the service must be owned.</summary>
    public OwnershipRecord WithDrain(Drain drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        return new(Services, Drains.SetItem(drain.Key, drain));
    }

    public OwnershipRecord WithoutDrain(DrainKey drain) => new(Services, Drains.Remove(drain));

    public bool Equals(OwnershipRecord? other) =>
        other is not null
        && Services.SetEquals(other.Services)
        && Drains.Count == other.Drains.Count
        && Drains.All(pair => other.Drains.TryGetValue(pair.Key, out Drain? drain) && drain == pair.Value);

    public override bool Equals(object? obj) => Equals(obj as OwnershipRecord);

    public override int GetHashCode() => HashCode.Combine(Services.Count, Drains.Count);
}
