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
/// <para><see cref="Pending"/> is the write-ahead part: the services a pass is about to create or reconfigure, with the
/// configuration it asks for, journaled before the kernel is asked. A crash between the kernel's answer and the
/// journal's next write leaves them pending; the next start adopts each one the kernel has with exactly that
/// configuration and drops the others (<see cref="Reconciling.ReconcileRules.ResolvePending"/>).</para>
/// <para><see cref="Configurations"/> is what tells the agent's entry from one re-created by someone else under the
/// same key: the configuration the agent last gave each owned service. An owned service the kernel has configured
/// otherwise was changed or re-created by someone else and is no longer the agent's
/// (<see cref="Reconciling.ReconcileRules.ConfirmIdentity"/>).</para>
/// </remarks>
public sealed class OwnershipRecord : IEquatable<OwnershipRecord>
{
    public static readonly OwnershipRecord Empty = new(ImmutableHashSet<VirtualServiceKey>.Empty, ImmutableDictionary<DrainKey, Drain>.Empty);

    public OwnershipRecord(
        ImmutableHashSet<VirtualServiceKey> services,
        ImmutableDictionary<DrainKey, Drain> drains,
        ImmutableDictionary<VirtualServiceKey, VirtualService>? pending = null,
        ImmutableDictionary<VirtualServiceKey, VirtualService>? configurations = null)
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
        Configurations = configurations ?? ImmutableDictionary<VirtualServiceKey, VirtualService>.Empty;
    }

    public ImmutableHashSet<VirtualServiceKey> Services { get; }

    public ImmutableDictionary<DrainKey, Drain> Drains { get; }

    /// <summary>Services about to be created or reconfigured, with the configuration asked for: not so until the kernel confirms.</summary>
    public ImmutableDictionary<VirtualServiceKey, VirtualService> Pending { get; }

    /// <summary>
    /// The configuration the agent last gave each owned service, as far as known (a journal of version 1 had none:
    /// the first read records the kernel's). An entry of a service no longer owned means nothing and is dropped.
    /// </summary>
    public ImmutableDictionary<VirtualServiceKey, VirtualService> Configurations { get; }

    public bool Owns(VirtualServiceKey service) => Services.Contains(service);

    public OwnershipRecord WithService(VirtualServiceKey service) => new(Services.Add(service), Drains, Pending.Remove(service), Configurations);

    /// <summary>Owns <paramref name="service"/>'s key with this configuration, no longer pending.</summary>
    public OwnershipRecord WithService(in VirtualService service) =>
        new(Services.Add(service.Key), Drains, Pending.Remove(service.Key), Configurations.SetItem(service.Key, service));

    /// <summary>Forgets a service, its configuration and every drain in it.</summary>
    public OwnershipRecord WithoutService(VirtualServiceKey service) =>
        new(Services.Remove(service), Drains.RemoveRange(Drains.Keys.Where(key => key.Service == service)), Pending, Configurations.Remove(service));

    /// <summary>Records a drain; the service must be owned.</summary>
    public OwnershipRecord WithDrain(Drain drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        return new(Services, Drains.SetItem(drain.Key, drain), Pending, Configurations);
    }

    public OwnershipRecord WithoutDrain(DrainKey drain) => new(Services, Drains.Remove(drain), Pending, Configurations);

    /// <summary>The record with these services about to be created or reconfigured.</summary>
    public OwnershipRecord WithPending(IEnumerable<VirtualService> services) =>
        new(Services, Drains, Pending.SetItems(services.Select(service => KeyValuePair.Create(service.Key, service))), Configurations);

    /// <summary>The record without a pending creation or change of <paramref name="service"/>.</summary>
    public OwnershipRecord WithoutPending(VirtualServiceKey service) => new(Services, Drains, Pending.Remove(service), Configurations);

    /// <summary>The record with <paramref name="configurations"/> in place of this one's (owned services' only).</summary>
    public OwnershipRecord WithConfigurations(ImmutableDictionary<VirtualServiceKey, VirtualService> configurations) =>
        new(Services, Drains, Pending, configurations);

    public bool Equals(OwnershipRecord? other) =>
        other is not null
        && Services.SetEquals(other.Services)
        && Drains.Count == other.Drains.Count
        && Drains.All(pair => other.Drains.TryGetValue(pair.Key, out Drain? drain) && drain == pair.Value)
        && Pending.Count == other.Pending.Count
        && Pending.All(pair => other.Pending.TryGetValue(pair.Key, out VirtualService service) && service.SameConfiguration(pair.Value))
        && Configurations.Count == other.Configurations.Count
        && (ReferenceEquals(Configurations, other.Configurations)
            || Configurations.All(pair => other.Configurations.TryGetValue(pair.Key, out VirtualService service) && service.SameConfiguration(pair.Value)));

    public override bool Equals(object? obj) => Equals(obj as OwnershipRecord);

    public override int GetHashCode() => HashCode.Combine(Services.Count, Drains.Count);
}
