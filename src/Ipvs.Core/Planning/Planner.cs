using System.Collections.Immutable;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Core.Planning;

/// <summary>
/// Turns the desired state and a fresh kernel dump into the smallest ordered list of changes. Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Only owned services (in the <see cref="OwnershipRecord"/>) are ever changed or deleted. A desired service whose
/// key is in the kernel but not owned is a <see cref="PlanIssueKind.ForeignCollision"/>; one outside the
/// <see cref="OwnershipPolicy"/> is refused. An entry whose key the kernel read could decode but nothing else
/// (<see cref="KernelTable.UnreadableServices"/>) is left alone: a collision when foreign, an issue when owned.</item>
/// <item>Owned services are fully controlled: configuration, weights and thresholds are changed in place (a VIP never
/// blinks), missing real servers are added, undesired ones drained then deleted, and a service that vanished from the
/// kernel is recreated if still desired or forgotten if not.</item>
/// <item>A service that is no longer desired is deleted only once all its real servers are gone.</item>
/// </list>
/// </remarks>
public sealed class Planner
{
    private readonly OwnershipPolicy _ownershipPolicy;
    private readonly DrainPolicy _drainPolicy;

    public Planner(OwnershipPolicy ownershipPolicy, DrainPolicy drainPolicy)
    {
        ArgumentNullException.ThrowIfNull(ownershipPolicy);
        ArgumentNullException.ThrowIfNull(drainPolicy);
        _ownershipPolicy = ownershipPolicy;
        _drainPolicy = drainPolicy;
    }

    public Plan Plan(DesiredState desired, KernelTable actual, OwnershipRecord ownership, DateTimeOffset now) =>
        Plan(desired, actual, ownership, now, scope: null);

    /// <summary>
    /// Plans only the services in <paramref name="scope"/> (null: all). Services are planned independently of each
    /// other, so the result is exactly the full plan's operations and issues for those services, and its next
    /// ownership is the full plan's for them and <paramref name="ownership"/>'s for all others.
    /// </summary>
    /// <remarks>
    /// For passes between full resyncs that know which services' desired state changed since a plan that was applied
    /// whole. The services left out are not looked at, so their drain deadlines wait for the next full plan.
    /// </remarks>
    public Plan Plan(DesiredState desired, KernelTable actual, OwnershipRecord ownership, DateTimeOffset now, IReadOnlySet<VirtualServiceKey>? scope)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(ownership);

        var run = new PlanningRun(this, ownership, now);
        if (scope is not null)
        {
            foreach (VirtualServiceKey key in scope)
            {
                bool isDesired = desired.Services.TryGetValue(key, out DesiredService? service);
                if (isDesired)
                {
                    run.PlanDesired(service!, actual);
                }

                if (ownership.Owns(key) && (!isDesired || _ownershipPolicy.Refusal(key) is not null))
                {
                    run.PlanUndesired(key, service, actual);
                }
            }

            return run.Finish();
        }

        foreach (DesiredService service in desired.Services.Values)
        {
            run.PlanDesired(service, actual);
        }

        foreach (VirtualServiceKey key in ownership.Services)
        {
            if (!desired.Services.TryGetValue(key, out DesiredService? service) || _ownershipPolicy.Refusal(key) is not null)
            {
                run.PlanUndesired(key, service, actual);
            }
        }

        return run.Finish();
    }

    /// <summary>The mutable state of one planning pass.</summary>
    private sealed class PlanningRun
    {
        private readonly Planner _planner;
        private readonly OwnershipRecord _ownership;
        private readonly DateTimeOffset _now;
        private readonly ImmutableHashSet<VirtualServiceKey>.Builder _owned;
        private readonly ImmutableDictionary<DrainKey, Drain>.Builder _drains;
        private readonly Dictionary<VirtualServiceKey, List<Drain>> _drainsByService = [];
        private readonly List<ServicePlan> _services = [];
        private readonly List<PlanIssue> _issues = [];
        private readonly List<VirtualServiceKey> _forgotten = [];

        public PlanningRun(Planner planner, OwnershipRecord ownership, DateTimeOffset now)
        {
            _planner = planner;
            _ownership = ownership;
            _now = now;
            _owned = ownership.Services.ToBuilder();
            _drains = ownership.Drains.ToBuilder();
            foreach (Drain drain in ownership.Drains.Values)
            {
                if (!_drainsByService.TryGetValue(drain.Service, out List<Drain>? list))
                {
                    _drainsByService[drain.Service] = list = [];
                }

                list.Add(drain);
            }
        }

        public void PlanDesired(DesiredService desired, KernelTable actual)
        {
            VirtualServiceKey key = desired.Key;
            if (_planner._ownershipPolicy.Refusal(key) is { } refusal)
            {
                _issues.Add(new PlanIssue(PlanIssueKind.OutsideOwnedRange, key, desired.Source,
                    $"{refusal}; not created (asked for by {desired.Source}); {OwnershipPolicy.HowToAllow(key)}"));
                return;
            }

            bool owned = _ownership.Owns(key);
            if (actual.UnreadableServices.TryGetValue(key, out string? unreadable))
            {
                // An entry with this key is there but cannot be read: adding would fail, changing it would be blind.
                _issues.Add(owned
                    ? new PlanIssue(PlanIssueKind.UnreadableInKernel, key, desired.Source,
                        $"{key}: created by this agent but no longer readable in the kernel ({unreadable}); left alone until it is (asked for by {desired.Source})")
                    : new PlanIssue(PlanIssueKind.ForeignCollision, key, desired.Source,
                        $"{key}: already in the kernel, not created by this agent and not readable by it ({unreadable}); left alone (asked for by {desired.Source})"));
                return;
            }

            actual.TryGetService(key, out KernelService? kernel);
            if (kernel is not null && !owned)
            {
                _issues.Add(new PlanIssue(PlanIssueKind.ForeignCollision, key, desired.Source,
                    $"{key}: already in the kernel but not created by this agent; left alone (asked for by {desired.Source})"));
                return;
            }

            if (kernel is null)
            {
                ForgetAllDrains(key);
                var plan = new ServicePlan(key);
                plan.ServiceChange = new IpvsOperation(IpvsOperationKind.AddService, desired.Service, null, desired.Source,
                    owned ? "recreated: missing from the kernel" : "new service");
                foreach (DesiredRealServer server in desired.RealServers.Values)
                {
                    plan.Adds.Add(new IpvsOperation(IpvsOperationKind.AddServer, desired.Service, server.Server, server.Source, "new real server"));
                }

                _owned.Add(key);
                _services.Add(plan);
                return;
            }

            PlanOwnedInKernel(desired, kernel);
        }

        private void PlanOwnedInKernel(DesiredService desired, KernelService kernel)
        {
            VirtualServiceKey key = desired.Key;
            ServicePlan? plan = null;
            if (!desired.Service.SameConfiguration(kernel.Service))
            {
                List<ConfigDifference> differences = ConfigDifference.Between(kernel.Service, desired.Service);
                plan = new ServicePlan(key)
                {
                    ServiceChange = new IpvsOperation(IpvsOperationKind.UpdateService, desired.Service, null, desired.Source, string.Join(", ", differences)),
                };
            }

            ForgetDrainsOfServersNotIn(kernel);
            bool hasDrains = _drainsByService.ContainsKey(key);
            int inKernel = 0;
            foreach (DesiredRealServer server in desired.RealServers.Values)
            {
                bool wasDraining = hasDrains && _drains.Remove(new DrainKey(key, server.Key));
                if (!kernel.RealServers.TryGetValue(server.Key, out KernelRealServer current))
                {
                    (plan ??= new ServicePlan(key)).Adds.Add(new IpvsOperation(IpvsOperationKind.AddServer, desired.Service, server.Server, server.Source,
                        "missing real server"));
                    continue;
                }

                inKernel++;
                if (current.Server != server.Server && ConfigDifference.Between(current.Server, server.Server) is { Count: > 0 } differences)
                {
                    string reason = string.Join(", ", differences);
                    (plan ??= new ServicePlan(key)).Updates.Add(new IpvsOperation(IpvsOperationKind.UpdateServer, desired.Service, server.Server, server.Source,
                        wasDraining ? $"wanted again while draining: {reason}" : reason));
                }
            }

            if (inKernel < kernel.RealServers.Count)
            {
                plan ??= new ServicePlan(key);
                foreach (KernelRealServer server in kernel.RealServers.Values)
                {
                    if (desired.RemovedAtOnce.Contains(server.Key))
                    {
                        _drains.Remove(new DrainKey(key, server.Key));
                        plan.Deletes.Add(new IpvsOperation(IpvsOperationKind.DeleteServer, kernel.Service, server.Server, null,
                            "its health check failed (on-failure: remove): deleted at once"));
                    }
                    else if (!desired.RealServers.ContainsKey(server.Key))
                    {
                        Retire(plan, kernel.Service, server);
                    }
                }
            }

            if (plan is { IsEmpty: false })
            {
                _services.Add(plan);
            }
        }

        public void PlanUndesired(VirtualServiceKey key, DesiredService? refused, KernelTable actual)
        {
            if (_planner._ownershipPolicy.Refusal(key) is { } refusal)
            {
                Forget(key);
                _issues.Add(new PlanIssue(PlanIssueKind.Released, key, refused?.Source,
                    $"{refusal}; the agent owned it but no longer may: left in the kernel as it is and no longer managed"));
                return;
            }

            if (actual.UnreadableServices.ContainsKey(key))
            {
                // Still there but unreadable (its servers unknown, so no drain can be planned): kept owned and left
                // alone; the read's warning names it.
                return;
            }

            if (!actual.TryGetService(key, out KernelService? kernel))
            {
                // Gone (someone flushed the table) and no longer wanted: nothing to recreate.
                Forget(key);
                return;
            }

            var plan = new ServicePlan(key);
            ForgetDrainsOfServersNotIn(kernel);
            foreach (KernelRealServer server in kernel.RealServers.Values)
            {
                Retire(plan, kernel.Service, server);
            }

            if (plan.Deletes.Count == kernel.RealServers.Count)
            {
                plan.FinalDelete = new IpvsOperation(IpvsOperationKind.DeleteService, kernel.Service, null, null,
                    kernel.RealServers.Count == 0 ? "not desired" : "not desired; all real servers deleted");
                Forget(key);
            }

            if (!plan.IsEmpty)
            {
                _services.Add(plan);
            }
        }

        /// <summary>Drains, keeps draining or deletes a real server nobody wants any more.</summary>
        private void Retire(ServicePlan plan, VirtualService service, KernelRealServer server)
        {
            var drainKey = new DrainKey(service.Key, server.Key);
            DrainDecision decision;
            if (_drains.TryGetValue(drainKey, out Drain? drain))
            {
                decision = DrainPolicy.Continue(drain, server.Connections, _now);
            }
            else
            {
                decision = _planner._drainPolicy.Begin(service.Key, server.Connections);
                if (decision.Verdict == DrainVerdict.Wait)
                {
                    _drains[drainKey] = _planner._drainPolicy.Start(service.Key, server.Key, _now);
                }
            }

            if (decision.Verdict == DrainVerdict.Delete)
            {
                _drains.Remove(drainKey);
                plan.Deletes.Add(new IpvsOperation(IpvsOperationKind.DeleteServer, service, server.Server, null, decision.Reason));
            }
            else if (server.Server.Weight != 0)
            {
                plan.Updates.Add(new IpvsOperation(IpvsOperationKind.UpdateServer, service, server.Server.WithWeight(0), null,
                    $"{decision.Reason}; weight {server.Server.Weight} -> 0"));
            }
        }

        private void Forget(VirtualServiceKey key)
        {
            _owned.Remove(key);
            _forgotten.Add(key);
            ForgetAllDrains(key);
        }

        private void ForgetAllDrains(VirtualServiceKey key)
        {
            if (_drainsByService.TryGetValue(key, out List<Drain>? drains))
            {
                foreach (Drain drain in drains)
                {
                    _drains.Remove(drain.Key);
                }
            }
        }

        /// <summary>Drains of real servers that left the kernel by other means are over.</summary>
        private void ForgetDrainsOfServersNotIn(KernelService kernel)
        {
            if (_drainsByService.TryGetValue(kernel.Key, out List<Drain>? drains))
            {
                foreach (Drain drain in drains)
                {
                    if (!kernel.RealServers.ContainsKey(drain.Server))
                    {
                        _drains.Remove(drain.Key);
                    }
                }
            }
        }

        public Plan Finish()
        {
            _services.Sort((left, right) => KeyOrder.Instance.Compare(left.Key, right.Key));
            var operations = new List<IpvsOperation>();
            foreach (ServicePlan service in _services)
            {
                service.AppendTo(operations);
            }

            _issues.Sort((left, right) => KeyOrder.Instance.Compare(left.Service, right.Service));
            ImmutableHashSet<VirtualServiceKey> owned = _owned.ToImmutable();
            ImmutableDictionary<DrainKey, Drain> drains = _drains.ToImmutable();
            OwnershipRecord next = ReferenceEquals(owned, _ownership.Services) && ReferenceEquals(drains, _ownership.Drains)
                ? _ownership
                : new OwnershipRecord(owned, drains, null, _forgotten.Count == 0 ? _ownership.Configurations : _ownership.Configurations.RemoveRange(_forgotten));
            return new Plan(operations, _issues, next);
        }
    }

    /// <summary>The operations for one service, kept apart by kind so they can be emitted in a safe order.</summary>
    private sealed class ServicePlan(VirtualServiceKey key)
    {
        public VirtualServiceKey Key { get; } = key;

        public IpvsOperation? ServiceChange { get; set; }

        public List<IpvsOperation> Deletes { get; } = [];

        public List<IpvsOperation> Updates { get; } = [];

        public List<IpvsOperation> Adds { get; } = [];

        public IpvsOperation? FinalDelete { get; set; }

        public bool IsEmpty => ServiceChange is null && FinalDelete is null && Deletes.Count == 0 && Updates.Count == 0 && Adds.Count == 0;

        /// <summary>Service first, then servers out before servers in (so a replaced set never overlaps), then the service's removal.</summary>
        public void AppendTo(List<IpvsOperation> operations)
        {
            if (ServiceChange is not null)
            {
                operations.Add(ServiceChange);
            }

            AppendSorted(operations, Deletes);
            AppendSorted(operations, Updates);
            AppendSorted(operations, Adds);
            if (FinalDelete is not null)
            {
                operations.Add(FinalDelete);
            }
        }

        private static void AppendSorted(List<IpvsOperation> operations, List<IpvsOperation> serverOperations)
        {
            serverOperations.Sort((left, right) => KeyOrder.Instance.Compare(left.Server!.Value.Key, right.Server!.Value.Key));
            operations.AddRange(serverOperations);
        }
    }
}
