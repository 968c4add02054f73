using Ipvs.Agent.Metrics;
using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>Why a reconcile pass runs; several reasons merge into one pass.</summary>
[Flags]
internal enum ReconcileReason
{
    None = 0,
    Startup = 1,
    SourceChanged = 2,
    Resync = 4,
    Drain = 8,
    Retry = 16,
    Reload = 32,
}

/// <summary>What one pass did.</summary>
internal sealed record ReconcileReport(Plan Plan, ApplyOutcome Outcome, bool ReadKernel, DesiredInput Desired);

/// <summary>A pass applied whole with every source read: what the next pass between kernel reads may plan incrementally from.</summary>
internal sealed record CleanPass(DesiredState Desired, IReadOnlyList<PlanIssue> Issues);

/// <summary>One reconcile pass, as the loop drives it.</summary>
internal interface IReconcilePass
{
    ReconcileReport Run(ReconcileReason reasons, bool readKernel);
}

/// <summary>
/// One pass: read the kernel (or project the last read forward), plan with the pure planner, apply the plan through
/// the batched netlink path, journal the next ownership record. Never flushes; touches only what it owns.
/// </summary>
internal sealed class Reconciler : IReconcilePass
{
    private readonly IKernelGateway _kernel;
    private readonly IVipAddresses? _vips;
    private readonly IOwnershipStore _store;
    private readonly DesiredStateAssembler _desired;
    private readonly OwnershipPolicy _policy;
    private readonly Planner _planner;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly AgentMetrics _metrics;
    private KernelTable? _lastTable;
    private CleanPass? _lastCleanPass;
    private HashSet<string> _reportedProblems = [];

    /// <summary>Loads the journal: the agent adopts exactly what it says it owns.</summary>
    public Reconciler(
        IKernelGateway kernel,
        IVipAddresses? vips,
        IOwnershipStore store,
        DesiredStateAssembler desired,
        Planner planner,
        OwnershipPolicy policy,
        TimeProvider time,
        ILogger log,
        AgentMetrics metrics)
    {
        _kernel = kernel;
        _vips = vips;
        _store = store;
        _desired = desired;
        _planner = planner;
        _policy = policy;
        _time = time;
        _log = log;
        _metrics = metrics;
        Ownership = store.Load();
        if (Ownership.Services.Count > 0)
        {
            log.Information("Adopted {Services} owned services and {Drains} drains from the journal", Ownership.Services.Count, Ownership.Drains.Count);
        }
    }

    public OwnershipRecord Ownership { get; private set; }

    /// <summary>The kernel table as of the last pass (read or projected), or null before the first.</summary>
    public KernelTable? LastTable => Volatile.Read(ref _lastTable);

    public ReconcileReport Run(ReconcileReason reasons, bool readKernel)
    {
        long started = _time.GetTimestamp();
        try
        {
            ReconcileReport report = RunCore(reasons, readKernel || _lastTable is null);
            _metrics.RecordSuccess(_time.GetElapsedTime(started), _time.GetUtcNow());
            return report;
        }
        catch
        {
            // The kernel may be in any state now: the next pass must read it.
            Volatile.Write(ref _lastTable, null);
            _lastCleanPass = null;
            _metrics.RecordError("reconcile");
            throw;
        }
    }

    private ReconcileReport RunCore(ReconcileReason reasons, bool readKernel)
    {
        KernelTable table = readKernel ? _kernel.ReadTable() : _lastTable!;
        if (readKernel)
        {
            _metrics.SetKernelTable(table, Ownership);
        }

        DesiredInput desired = _desired.Assemble();
        ReportProblems(desired);
        OwnershipRecord before = Ownership;
        Plan plan = PlanPass(desired.State, table, before, readKernel);
        if (!desired.IsComplete)
        {
            plan = Hold(plan, before);
        }

        ReportIssues(plan);

        // VIPs follow the table the plan leads to, and go up before the batch: when a service appears in the kernel
        // its VIP is already local, and a retired service keeps its VIP while its real servers drain.
        KernelTable expected = KernelTableProjection.Apply(table, plan.Operations);
        SyncVips(expected, plan.NextOwnership);
        ApplyOutcome outcome = _kernel.Apply(plan.Operations);
        var failed = outcome.Failures.Select(failure => failure.Operation).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (IpvsOperation operation in plan.Operations)
        {
            if (!failed.Contains(operation))
            {
                LogApplied(operation);
                _metrics.RecordOperation(operation.Kind, drift: reasons == ReconcileReason.Resync);
            }
        }

        OwnershipRecord next = plan.NextOwnership;
        foreach (OperationFailure failure in outcome.Failures)
        {
            _log.Error("Failed to {Change} {Subject}: {Error} (for {Source}); the rest of the plan was applied",
                ChangeName(failure.Operation.Kind), Subject(failure.Operation), failure.Error, SourceText(failure.Operation));
            _metrics.RecordError("operation");

            // A service we failed to create is not ours: if it appeared meanwhile, someone else made it.
            if (failure.Operation.Kind == IpvsOperationKind.AddService && !before.Owns(failure.Operation.ServiceKey))
            {
                next = next.WithoutService(failure.Operation.ServiceKey);
            }
        }

        if (!next.Equals(before))
        {
            _store.Save(next);
        }

        Ownership = next;
        _lastCleanPass = failed.Count == 0 && desired.IsComplete ? new CleanPass(desired.State, plan.Issues) : null;
        Volatile.Write(ref _lastTable, failed.Count == 0
            ? expected
            : KernelTableProjection.Apply(table, plan.Operations.Where(operation => !failed.Contains(operation))));
        return new ReconcileReport(plan, outcome, readKernel, desired);
    }

    /// <summary>
    /// A full plan after a kernel read; between reads, when the last pass was applied whole and the table is its
    /// projection, a plan of only the services whose desired state changed since (by instance: the assembler keeps
    /// unchanged services' instances), with the last pass's issues kept for the rest. Drain deadlines of services left
    /// out are looked at again by the next full resync.
    /// </summary>
    private Plan PlanPass(DesiredState desired, KernelTable table, OwnershipRecord ownership, bool readKernel)
    {
        if (readKernel || _lastCleanPass is not { } last)
        {
            return _planner.Plan(desired, table, ownership, _time.GetUtcNow());
        }

        HashSet<VirtualServiceKey> changed = ChangedServices(last.Desired, desired);
        Plan plan = _planner.Plan(desired, table, ownership, _time.GetUtcNow(), changed);
        if (last.Issues.Count == 0)
        {
            return plan;
        }

        PlanIssue[] issues = [.. last.Issues.Where(issue => !changed.Contains(issue.Service)).Concat(plan.Issues).OrderBy(issue => issue.Service, KeyOrder.Instance)];
        return plan with { Issues = issues };
    }

    internal static HashSet<VirtualServiceKey> ChangedServices(DesiredState previous, DesiredState current)
    {
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

    /// <summary>While a source has not been read yet, removing anything could tear down what it still declares: only add and update.</summary>
    private static Plan Hold(Plan plan, OwnershipRecord before)
    {
        IpvsOperation[] kept = [.. plan.Operations.Where(operation => operation.Source is not null)];
        var owned = plan.NextOwnership.Services.Union(before.Services);
        return plan with { Operations = kept, NextOwnership = new OwnershipRecord(owned, before.Drains) };
    }

    private void SyncVips(KernelTable expected, OwnershipRecord ownership)
    {
        if (_vips is null)
        {
            return;
        }

        var wanted = expected.Services.Keys
            .Where(key => !key.IsFirewallMark && ownership.Owns(key))
            .Select(key => key.Address)
            .ToHashSet();
        try
        {
            foreach (string change in _vips.Sync(wanted, address => _policy.AddressBlocks.Any(block => block.Contains(address))))
            {
                _log.Information("{Change}", change);
            }
        }
        catch (Exception exception) when (exception is Netlink.Client.NetlinkException or InvalidOperationException)
        {
            _metrics.RecordError("vip");
            _log.Error("Could not keep the VIPs on the interface: {Error}", exception.Message);
        }
    }

    private void ReportProblems(DesiredInput desired)
    {
        var current = desired.Problems.Concat(desired.NotReady.Select(source => $"{source} not read yet: nothing owned is removed until it is")).ToHashSet();
        foreach (string problem in current.Where(problem => !_reportedProblems.Contains(problem)))
        {
            _log.Warning("{Problem}", problem);
        }

        _reportedProblems = current;
    }

    private void ReportIssues(Plan plan)
    {
        _metrics.SetConflicts(plan.Issues.Count(issue => issue.Kind == PlanIssueKind.ForeignCollision));
        foreach (PlanIssue issue in plan.Issues.Where(issue => _reportedProblems.Add(issue.Message)))
        {
            _log.Warning("{Issue}", issue.Message);
        }
    }

    private void LogApplied(IpvsOperation operation) =>
        _log.Information("{Change} {Subject}: {Reason} (source: {Source})", Capitalized(ChangeName(operation.Kind)), Subject(operation), operation.Reason, SourceText(operation));

    private static string Subject(IpvsOperation operation) =>
        operation.Server is { } server ? $"{operation.ServiceKey} real server {server.Key}" : operation.ServiceKey.ToString();

    private static string SourceText(IpvsOperation operation) => operation.Source?.ToString() ?? "agent";

    internal static string ChangeName(IpvsOperationKind kind) => kind switch
    {
        IpvsOperationKind.AddService => "add service",
        IpvsOperationKind.UpdateService => "change service",
        IpvsOperationKind.DeleteService => "remove service",
        IpvsOperationKind.AddServer => "add",
        IpvsOperationKind.UpdateServer => "change",
        _ => "remove",
    };

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Deletes every owned service with its real servers (for <c>run --cleanup</c>); foreign entries are untouched.</summary>
    public ApplyOutcome RemoveOwned()
    {
        KernelTable table = _kernel.ReadTable();
        var operations = new List<IpvsOperation>();
        foreach (VirtualServiceKey key in Ownership.Services)
        {
            if (table.TryGetService(key, out KernelService? service))
            {
                operations.Add(new IpvsOperation(IpvsOperationKind.DeleteService, service.Service, null, null, "agent stopping with --cleanup"));
            }
        }

        ApplyOutcome outcome = _kernel.Apply(operations);
        foreach (IpvsOperation operation in operations.Except(outcome.Failures.Select(failure => failure.Operation)))
        {
            LogApplied(operation);
        }

        foreach (OperationFailure failure in outcome.Failures)
        {
            _log.Error("Failed to remove service {Service} on cleanup: {Error}", failure.Operation.ServiceKey, failure.Error);
        }

        _lastCleanPass = null;
        Ownership = outcome.Failures.Aggregate(OwnershipRecord.Empty, (record, failure) => record.WithService(failure.Operation.ServiceKey));
        _store.Save(Ownership);
        _vips?.Sync(new HashSet<NetAddress>(), address => _policy.AddressBlocks.Any(block => block.Contains(address)));
        return outcome;
    }
}
