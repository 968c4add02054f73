using System.Collections.Immutable;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Reconciling;

/// <summary>
/// The rules of a reconcile pass that decide what the agent owns and what a pass's outcome means: pure functions of
/// the plan, the tables and the kernel's answers. The reconciler only orchestrates them (read, plan, send, journal).
/// </summary>
/// <remarks>
/// A kernel read can be wrong without anything failing: IPVS dumps are not atomic, so a change anywhere on the host
/// while one runs can make it miss an entry. The kernel then refuses what was planned from it: an add of what exists
/// (EEXIST), a change or delete of what does not (ESRCH, ENOENT). Such a pass is a stale read, not a failure.
/// </remarks>
public static class ReconcileRules
{
    /// <summary>
    /// The journal to write before <paramref name="operations"/> go to the kernel: <paramref name="before"/> with the
    /// services they create or reconfigure pending, or null when they do neither. Written first, it is what lets a
    /// crash between the kernel's answer and the next journal write lose nothing (see <see cref="ResolvePending"/>).
    /// </summary>
    public static OwnershipRecord? Intent(OwnershipRecord before, IReadOnlyList<IpvsOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(operations);
        List<VirtualService> intended = [.. operations
            .Where(operation => operation.Kind is IpvsOperationKind.AddService or IpvsOperationKind.UpdateService)
            .Select(operation => operation.Service)];
        return intended.Count == 0 ? null : before.WithPending(intended);
    }

    /// <summary>
    /// Settles what a previous run journaled but did not confirm (it stopped in between). A pending creation the
    /// kernel has with exactly the configuration asked for was made by that run and is owned; one the kernel lacks was
    /// never made; one it has otherwise configured is someone else's and stays untouched. A pending change of an owned
    /// service the kernel has as asked was made, and its configuration is recorded; otherwise the recorded one stands
    /// (and <see cref="ConfirmIdentity"/> judges the entry).
    /// </summary>
    /// <remarks>
    /// The kernel cannot say who created an entry. What this rule trusts is that nobody else creates the same key with
    /// the same scheduler, flags, timeout, netmask and persistence engine in the moment between the journal write and
    /// the kernel's answer.
    /// </remarks>
    public static OwnershipRecord ResolvePending(OwnershipRecord record, KernelTable table, out IReadOnlyList<(VirtualServiceKey Service, bool Adopted, string Reason)> resolved)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(table);
        var results = new List<(VirtualServiceKey, bool, string)>(record.Pending.Count);
        OwnershipRecord next = record;
        foreach ((VirtualServiceKey key, VirtualService intended) in record.Pending.OrderBy(pair => pair.Key, KeyOrder.Instance))
        {
            next = next.WithoutPending(key);
            bool found = table.TryGetService(key, out KernelService? kernel);
            bool asAsked = found && kernel!.Service.SameConfiguration(intended);
            if (record.Owns(key))
            {
                if (asAsked)
                {
                    next = next.WithService(intended);
                    results.Add((key, true, "journaled for a configuration change that the kernel shows made: owned, with the new configuration"));
                }
                else
                {
                    results.Add((key, true, "journaled for a configuration change that the kernel does not show: never made"));
                }
            }
            else if (!found)
            {
                results.Add((key, false, "journaled for creation, not in the kernel: never created"));
            }
            else if (asAsked)
            {
                next = next.WithService(intended);
                results.Add((key, true, "journaled for creation and in the kernel as asked: created by the run that stopped, owned"));
            }
            else
            {
                results.Add((key, false, "journaled for creation, but the kernel's is configured otherwise: someone else's, left alone"));
            }
        }

        resolved = results;
        return next;
    }

    /// <summary>
    /// Keeps ownership to the entries the agent made (issue: ownership by key alone let a service deleted and
    /// re-created by hand, or edited by hand, be taken over). An owned service the kernel has with a configuration
    /// other than the one the agent last gave it was changed or re-created by someone else: it is no longer owned
    /// and is left as it is (<paramref name="disowned"/> names each with the differences). An owned service without a
    /// recorded configuration (a journal of version 1) takes the kernel's. Configurations of services no longer owned
    /// are dropped. Returns <paramref name="record"/> itself when nothing changes.
    /// </summary>
    /// <remarks>
    /// The kernel keeps no creator or creation time, so an entry re-created with exactly the configuration the agent
    /// gave it cannot be told apart, and is treated as the agent's (its real servers are then the agent's to set).
    /// </remarks>
    public static OwnershipRecord ConfirmIdentity(OwnershipRecord record, KernelTable table, out IReadOnlyList<(VirtualServiceKey Service, string Reason)> disowned)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(table);
        List<(VirtualServiceKey, string)>? changed = null;
        ImmutableDictionary<VirtualServiceKey, VirtualService>.Builder? configurations = null;
        foreach (VirtualServiceKey key in record.Services)
        {
            if (!table.TryGetService(key, out KernelService? kernel))
            {
                continue;
            }

            if (!record.Configurations.TryGetValue(key, out VirtualService recorded))
            {
                (configurations ??= record.Configurations.ToBuilder())[key] = kernel.Service;
            }
            else if (!recorded.SameConfiguration(kernel.Service))
            {
                (changed ??= []).Add((key, string.Join(", ", ConfigDifference.Between(recorded, kernel.Service))));
            }
        }

        foreach (VirtualServiceKey key in record.Configurations.Keys)
        {
            if (!record.Owns(key))
            {
                (configurations ??= record.Configurations.ToBuilder()).Remove(key);
            }
        }

        OwnershipRecord next = configurations is null ? record : record.WithConfigurations(configurations.ToImmutable());
        if (changed is not null)
        {
            changed.Sort((left, right) => KeyOrder.Instance.Compare(left.Item1, right.Item1));
            foreach ((VirtualServiceKey key, _) in changed)
            {
                next = next.WithoutService(key);
            }
        }

        disowned = changed ?? [];
        return next;
    }

    /// <summary>
    /// <paramref name="next"/> with the configuration of every service the pass created or reconfigured, as the
    /// kernel accepted it (<paramref name="applied"/>: the operations that succeeded).
    /// </summary>
    public static OwnershipRecord RecordConfigurations(OwnershipRecord next, IReadOnlyList<IpvsOperation> applied)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(applied);
        ImmutableDictionary<VirtualServiceKey, VirtualService>.Builder? configurations = null;
        foreach (IpvsOperation operation in applied)
        {
            if (operation.Kind is IpvsOperationKind.AddService or IpvsOperationKind.UpdateService && next.Owns(operation.ServiceKey))
            {
                (configurations ??= next.Configurations.ToBuilder())[operation.ServiceKey] = operation.Service;
            }
        }

        return configurations is null ? next : next.WithConfigurations(configurations.ToImmutable());
    }

    /// <summary>
    /// Whether a refusal contradicts the table the plan was made from: an add of what the kernel says exists, a change
    /// or delete of what it says does not. A real server refused for want of its service is the consequence of another
    /// failure, not a contradiction, when this batch failed to create that service (<paramref name="notCreated"/>).
    /// </summary>
    public static bool ShowsStaleRead(OperationFailure failure, IReadOnlySet<VirtualServiceKey> notCreated)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(notCreated);
        return (failure.Kind, failure.Operation.Kind) switch
        {
            (KernelErrorKind.AlreadyExists, IpvsOperationKind.AddService or IpvsOperationKind.AddServer) => true,
            (KernelErrorKind.NoSuchService, IpvsOperationKind.AddServer) => !notCreated.Contains(failure.Operation.ServiceKey),
            (KernelErrorKind.NoSuchService, IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService
                or IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer) => true,
            (KernelErrorKind.NoSuchServer, IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer) => true,
            _ => false,
        };
    }

    /// <summary>
    /// After the creations of a pass went first, in a batch of their own: the other operations to send, and those
    /// withheld because they address a service whose creation was refused as existing and that the agent did not own
    /// (someone else made it). The agent never puts its real servers into another's service.
    /// </summary>
    public static (IReadOnlyList<IpvsOperation> ToSend, IReadOnlyList<OperationFailure> Withheld) WithholdFromForeign(
        IReadOnlyList<IpvsOperation> operations, IReadOnlyList<OperationFailure> creationFailures, OwnershipRecord before)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(creationFailures);
        ArgumentNullException.ThrowIfNull(before);
        HashSet<VirtualServiceKey> foreign = [.. creationFailures
            .Where(failure => failure.Kind == KernelErrorKind.AlreadyExists && !before.Owns(failure.Operation.ServiceKey))
            .Select(failure => failure.Operation.ServiceKey)];
        List<IpvsOperation> toSend = new(operations.Count);
        List<OperationFailure> withheld = [];
        foreach (IpvsOperation operation in operations)
        {
            if (operation.Kind == IpvsOperationKind.AddService)
            {
                continue;
            }

            if (foreign.Contains(operation.ServiceKey))
            {
                withheld.Add(new OperationFailure(operation, "not sent: the service exists and is not this agent's", KernelErrorKind.Withheld));
            }
            else
            {
                toSend.Add(operation);
            }
        }

        return (toSend, withheld);
    }

    /// <summary>
    /// Sorts a pass's failures into errors, stale-read refusals and withheld operations, and settles ownership: a
    /// service the pass failed to create and did not own before is not the agent's (if it appeared meanwhile,
    /// someone else made it); an owned service a stale read took for missing keeps its drains.
    /// </summary>
    public static FailureSettlement SettleFailures(IReadOnlyList<OperationFailure> failures, OwnershipRecord before, OwnershipRecord next)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(next);
        HashSet<VirtualServiceKey> notCreated = [.. failures.Where(failure => failure.Operation.Kind == IpvsOperationKind.AddService).Select(failure => failure.Operation.ServiceKey)];
        List<OperationFailure> errors = [];
        List<OperationFailure> stale = [];
        List<OperationFailure> withheld = [];
        foreach (OperationFailure failure in failures)
        {
            if (failure.Kind == KernelErrorKind.Withheld)
            {
                withheld.Add(failure);
                continue;
            }

            (ShowsStaleRead(failure, notCreated) ? stale : errors).Add(failure);
            if (failure.Operation.Kind == IpvsOperationKind.AddService && !before.Owns(failure.Operation.ServiceKey))
            {
                next = next.WithoutService(failure.Operation.ServiceKey);
            }
        }

        if (stale.Count > 0)
        {
            next = KeepDrainsOfServicesTakenForMissing(next, before, stale);
        }

        return new FailureSettlement(next, errors, stale, withheld);
    }

    /// <summary>
    /// An owned service the read missed was planned as missing, and missing services have no drains: but the kernel
    /// says it is there (its creation was refused as existing), so its drains go on with their deadlines instead of
    /// starting over at the next pass.
    /// </summary>
    public static OwnershipRecord KeepDrainsOfServicesTakenForMissing(OwnershipRecord next, OwnershipRecord before, IEnumerable<OperationFailure> stale)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(stale);
        foreach (OperationFailure failure in stale)
        {
            VirtualServiceKey key = failure.Operation.ServiceKey;
            if (failure.Operation.Kind != IpvsOperationKind.AddService || !before.Owns(key) || !next.Owns(key))
            {
                continue;
            }

            foreach (Drain drain in before.Drains.Values.Where(drain => drain.Service == key && !next.Drains.ContainsKey(drain.Key)))
            {
                next = next.WithDrain(drain);
            }
        }

        return next;
    }

    /// <summary>
    /// Owned services the plan forgets only because the table lacks them ("gone, and no longer wanted"): each must be
    /// asked for once more, by key. A dump that missed one (dumps are not atomic) would otherwise leave it in the
    /// kernel, unowned, for good. A service the policy now refuses is released, not asked for.
    /// </summary>
    public static IReadOnlyList<VirtualServiceKey> ForgottenForMissing(KernelTable table, OwnershipRecord before, OwnershipRecord next, OwnershipPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(policy);
        if (ReferenceEquals(next.Services, before.Services))
        {
            return [];
        }

        return [.. before.Services.Where(key => !next.Owns(key) && !table.TryGetService(key, out _) && policy.Refusal(key) is null)];
    }

    /// <summary>While a source has not been read yet, removing anything could tear down what it still declares: only add and update.</summary>
    public static Plan Hold(Plan plan, OwnershipRecord before)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(before);
        IpvsOperation[] kept = [.. plan.Operations.Where(operation => operation.Source is not null)];
        var owned = plan.NextOwnership.Services.Union(before.Services);
        return plan with { Operations = kept, NextOwnership = new OwnershipRecord(owned, before.Drains, null, before.Configurations) };
    }

    /// <summary>The services whose desired state changed, by instance: the assembler keeps unchanged services' instances.</summary>
    public static HashSet<VirtualServiceKey> ChangedServices(DesiredState previous, DesiredState current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var changed = new HashSet<VirtualServiceKey>();
        if (ReferenceEquals(previous, current))
        {
            return changed;
        }

        foreach ((VirtualServiceKey key, DesiredService service) in current.Services)
        {
            if (!previous.Services.TryGetValue(key, out DesiredService? before) || !ReferenceEquals(before, service))
            {
                changed.Add(key);
            }
        }

        foreach (VirtualServiceKey key in previous.Services.Keys)
        {
            if (!current.Services.ContainsKey(key))
            {
                changed.Add(key);
            }
        }

        return changed;
    }

    /// <summary>
    /// The issues of a plan scoped to <paramref name="changed"/> services, completed with the last whole plan's issues
    /// of the services it left out: a plan's issues are complete on every pass.
    /// </summary>
    public static IReadOnlyList<PlanIssue> CarryIssues(IReadOnlyList<PlanIssue> lastIssues, IReadOnlySet<VirtualServiceKey> changed, IReadOnlyList<PlanIssue> scopedIssues)
    {
        ArgumentNullException.ThrowIfNull(lastIssues);
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(scopedIssues);
        return lastIssues.Count == 0
            ? scopedIssues
            : [.. lastIssues.Where(issue => !changed.Contains(issue.Service)).Concat(scopedIssues).OrderBy(issue => issue.Service, KeyOrder.Instance)];
    }

    /// <summary>
    /// Whether a plan can change the VIPs: they follow the owned services, so only a plan that adds or removes a
    /// service or changes what is owned can. (Listing a thousand addresses is most of a one-server pass.)
    /// </summary>
    public static bool ChangesServiceSet(Plan plan, OwnershipRecord before)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(before);
        return plan.Operations.Any(operation => operation.Kind is IpvsOperationKind.AddService or IpvsOperationKind.DeleteService)
            || !(ReferenceEquals(plan.NextOwnership.Services, before.Services) || plan.NextOwnership.Services.SetEquals(before.Services));
    }

    /// <summary>The VIPs the interface must carry: the addresses of the owned, address-based services of the table a plan leads to.</summary>
    public static HashSet<NetAddress> WantedVips(KernelTable expected, OwnershipRecord ownership)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(ownership);
        return [.. expected.Services.Keys.Where(key => !key.IsFirewallMark && ownership.Owns(key)).Select(key => key.Address)];
    }

    /// <summary>
    /// The address families whose NAT connections need source NAT: those of the owned services of the table a plan leads
    /// to that forward to at least one real server by masquerade. A real server on another host answers the client's
    /// address, not this node, unless its connections leave with this node's address (docs/architecture.md).
    /// </summary>
    public static HashSet<IpFamily> SourceNatFamilies(KernelTable expected, OwnershipRecord ownership)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(ownership);
        var families = new HashSet<IpFamily>();
        foreach (KernelService service in expected.Services.Values)
        {
            if (!families.Contains(service.Key.Family) && ownership.Owns(service.Key)
                && service.RealServers.Values.Any(server => server.Server.Method == ForwardingMethod.Masquerade))
            {
                families.Add(service.Key.Family);
            }
        }

        return families;
    }

    /// <summary>The operations of <paramref name="operations"/> that are not among <paramref name="failures"/>.</summary>
    public static IReadOnlyList<IpvsOperation> Succeeded(IReadOnlyList<IpvsOperation> operations, IReadOnlyList<OperationFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Count == 0)
        {
            return operations;
        }

        var failed = failures.Select(failure => failure.Operation).ToHashSet(ReferenceEqualityComparer.Instance);
        return [.. operations.Where(operation => !failed.Contains(operation))];
    }
}
