using System.Collections.Immutable;
using Ipvs.Core.Draining;
using Ipvs.Core.Model;

namespace Ipvs.Core.Ownership;

/// <summary>
/// What the agent owns in the kernel: the virtual services it created (it controls them fully), and the real servers
/// it is draining. Everything else in the kernel belongs to someone else and is never touched. Immutable; the
/// planner returns the next record with its plan, and the agent journals it to disk.
/// </summary>
/// <remarks>
/// <see cref="Pending"/> is the write-ahead part: the services a pass is about to create, with the configuration it
/// asks for, journaled before the kernel is asked. A crash between the kernel's answer and the journal's next write
/// leaves them pending; the next start adopts each one the kernel has with exactly that configuration and drops the
/// others (<see cref="Reconciling.ReconcileRules.ResolvePending"/>).
/// </remarks>
public sealed class OwnershipRecord : IEquatable<OwnershipRecord>
{
    public static readonly OwnershipRecord Empty = new(ImmutableHashSet<VirtualServiceKey>.Empty, ImmutableDictionary<DrainKey, Drain>.Empty);

    public OwnershipRecord(
        ImmutableHashSet<VirtualServiceKey> services, ImmutableDictionary<DrainKey, Drain> drains, ImmutableDictionary<VirtualServiceKey, VirtualService>? pending = null)
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
        Pending = pending ?? ImmutableDictionary<VirtualServiceKey, VirtualService>.Empty;
    }

    public ImmutableHashSet<VirtualServiceKey> Services { get; }

    public ImmutableDictionary<DrainKey, Drain> Drains { get; }

    /// <summary>Services about to be created, with the configuration asked for: not owned until the kernel confirms.</summary>
    public ImmutableDictionary<VirtualServiceKey, VirtualService> Pending { get; }

    public bool Owns(VirtualServiceKey service) => Services.Contains(service);

    public OwnershipRecord WithService(VirtualServiceKey service) => new(Services.Add(service), Drains, Pending.Remove(service));

    /// <summary>Forgets a service and every drain in it.</summary>
    public OwnershipRecord WithoutService(VirtualServiceKey service) =>
        new(Services.Remove(service), Drains.RemoveRange(Drains.Keys.Where(key => key.Service == service)), Pending);

    /// <summary>Records a drain; the service must be owned.</summary>
    public OwnershipRecord WithDrain(Drain drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        return new(Services, Drains.SetItem(drain.Key, drain), Pending);
    }

    public OwnershipRecord WithoutDrain(DrainKey drain) => new(Services, Drains.Remove(drain), Pending);

    /// <summary>The record with these services about to be created.</summary>
    public OwnershipRecord WithPending(IEnumerable<VirtualService> services) =>
        new(Services, Drains, Pending.SetItems(services.Select(service => KeyValuePair.Create(service.Key, service))));

    /// <summary>The record without a pending creation of <paramref name="service"/>.</summary>
    public OwnershipRecord WithoutPending(VirtualServiceKey service) => new(Services, Drains, Pending.Remove(service));

    public bool Equals(OwnershipRecord? other) =>
        other is not null
        && Services.SetEquals(other.Services)
        && Drains.Count == other.Drains.Count
        && Drains.All(pair => other.Drains.TryGetValue(pair.Key, out Drain? drain) && drain == pair.Value)
        && Pending.Count == other.Pending.Count
        && Pending.All(pair => other.Pending.TryGetValue(pair.Key, out VirtualService service) && service.SameConfiguration(pair.Value));

    public override bool Equals(object? obj) => Equals(obj as OwnershipRecord);

    public override int GetHashCode() => HashCode.Combine(Services.Count, Drains.Count);
}
