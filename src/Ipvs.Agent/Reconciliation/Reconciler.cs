using System.Runtime.InteropServices;
using Ipvs.Agent.Metrics;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Serilog;
using Serilog.Events;

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
    /// <summary>The kernel contradicted the table the last pass planned from: read it again.</summary>
    StaleRead = 64,
}

/// <summary>What one pass did.</summary>
/// <param name="Plan">What it planned.</param>
/// <param name="Outcome">What the kernel made of the plan.</param>
/// <param name="ReadKernel">Whether it read the kernel (a full pass) rather than the last table's projection.</param>
/// <param name="Desired">The desired state it planned for.</param>
/// <param name="StaleRead">The kernel refused operations in a way that shows the table the pass planned from was wrong
/// (see <see cref="Reconciler"/>): the next pass reads the kernel, and should come soon.</param>
internal sealed record ReconcileReport(Plan Plan, ApplyOutcome Outcome, bool ReadKernel, DesiredInput Desired, bool StaleRead = false);

/// <summary>A pass applied whole with every source read: what the next pass between kernel reads may plan incrementally from.</summary>
internal sealed record CleanPass(DesiredState Desired, IReadOnlyList<PlanIssue> Issues);

/// <summary>One reconcile pass, as the loop drives it.</summary>
internal interface IReconcilePass
{
    ReconcileReport Run(ReconcileReason reasons, bool readKernel);

    /// <summary>
    /// Starts a full read of the kernel on another thread (its own netlink socket); passes may run meanwhile, and what
    /// they apply is recorded in the read.
    /// </summary>
    KernelRead StartRead();

    /// <summary>A full pass on <paramref name="read"/> (completed), with what passes applied during it laid over it.</summary>
    ReconcileReport Run(ReconcileReason reasons, KernelRead read);
}

/// <summary>
/// A full kernel read in flight, and the operations passes applied while it ran: the dump may have seen each of them
/// or not (it reads service by service), so they are applied again to the table it returns, which is idempotent.
/// </summary>
internal sealed class KernelRead(Task<KernelTable> table)
{
    private readonly List<IpvsOperation> _appliedMeanwhile = [];

    public Task<KernelTable> Table => table;

    /// <summary>A pass failed while the read ran, so what it changed is unknown: the full pass reads the kernel again.</summary>
    public bool Spoiled { get; private set; }

    public IReadOnlyList<IpvsOperation> AppliedMeanwhile => _appliedMeanwhile;

    public void Record(IEnumerable<IpvsOperation> applied) => _appliedMeanwhile.AddRange(applied);

    public void Spoil() => Spoiled = true;
}

/// <summary>
/// The thread a resync's kernel read runs on: its own (a one-CPU host's thread pool may have a single thread, which a
/// blocking dump would hold from the event passes) at the lowest CPU priority, so that on a busy CPU a container
/// start's pass preempts the dump instead of waiting for its time slice (measured in the lab: up to 100 ms).
/// </summary>
internal static partial class BackgroundRead
{
    private const int PRIO_PROCESS = 0;
    private const int LowestPriority = 19;

    public static Task<KernelTable> Start(Func<KernelTable> read)
    {
        var result = new TaskCompletionSource<KernelTable>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (OperatingSystem.IsLinux())
            {
                // Niceness is per thread on Linux (who = the thread id); lowering one's own priority needs no
                // privilege, and a failure costs only latency.
                _ = setpriority(PRIO_PROCESS, gettid(), LowestPriority);
            }

            try
            {
                result.SetResult(read());
            }
            catch (Exception exception)
            {
                result.SetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "resync read",
        };
        thread.Start();
        return result.Task;
    }

    [LibraryImport("libc")]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}

/// <summary>
/// One pass: read the kernel (or project the last read forward), plan with the pure planner, apply the plan through
/// the batched netlink path, journal the next ownership record. Never flushes; touches only what it owns.
/// </summary>
/// <remarks>
/// A kernel read can be wrong without anything failing: IPVS dumps are not atomic (see <see cref="Netlink.Client.IpvsClient"/>),
/// so a change anywhere on the host while one runs can make it miss an entry. The kernel then refuses what was planned
/// from it: an add of what exists (EEXIST), a change or delete of what does not (ESRCH, ENOENT). Such a pass is a stale
/// read, not a failure: one warning, no projection kept (the next pass reads the kernel), and the report says so, for
/// the loop to run that pass soon.
/// </remarks>
internal sealed class Reconciler : IReconcilePass
{
    private readonly IKernelGateway _kernel;
    private readonly IKernelGateway _reader;
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
    private HashSet<string> _reportedIssues = [];
    private readonly HashSet<string> _reportedUnreadable = [];
    private KernelRead? _openRead;
    private bool _vipsInSync;

    /// <summary>Loads the journal: the agent adopts exactly what it says it owns.</summary>
    /// <remarks>
    /// <c>reader</c> is a second connection for full reads that run while passes apply changes (<see cref="StartRead"/>);
    /// without it reads go through <c>kernel</c>, and then a read must not overlap a pass.
    /// </remarks>
    public Reconciler(
        IKernelGateway kernel,
        IVipAddresses? vips,
        IOwnershipStore store,
        DesiredStateAssembler desired,
        Planner planner,
        OwnershipPolicy policy,
        TimeProvider time,
        ILogger log,
        AgentMetrics metrics,
        IKernelGateway? reader = null)
    {
        _kernel = kernel;
        _reader = reader ?? kernel;
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

    public ReconcileReport Run(ReconcileReason reasons, bool readKernel) =>
        Guarded(() => RunCore(reasons, readKernel || _lastTable is null ? _kernel.ReadTable : null));

    public KernelRead StartRead()
    {
        // Without a second connection the read cannot overlap passes: it is done before this returns.
        _log.Debug("Resync: reading the kernel{Where}", ReferenceEquals(_reader, _kernel) ? string.Empty : " while passes go on");
        var read = new KernelRead(ReferenceEquals(_reader, _kernel) ? ReadNow() : BackgroundRead.Start(_reader.ReadTable));
        _openRead = read;
        return read;
    }

    public ReconcileReport Run(ReconcileReason reasons, KernelRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (ReferenceEquals(_openRead, read))
        {
            _openRead = null;
        }

        return Guarded(() => RunCore(reasons, read.Spoiled
            ? _kernel.ReadTable
            : () => KernelTableProjection.Apply(read.Table.GetAwaiter().GetResult(), read.AppliedMeanwhile)));
    }

    private Task<KernelTable> ReadNow()
    {
        try
        {
            return Task.FromResult(_kernel.ReadTable());
        }
        catch (Exception exception)
        {
            return Task.FromException<KernelTable>(exception);
        }
    }

    private ReconcileReport Guarded(Func<ReconcileReport> pass)
    {
        long started = _time.GetTimestamp();
        try
        {
            ReconcileReport report = pass();
            _metrics.RecordSuccess(_time.GetElapsedTime(started), _time.GetUtcNow());
            return report;
        }
        catch
        {
            // The kernel may be in any state now: the next pass must read it.
            Volatile.Write(ref _lastTable, null);
            _lastCleanPass = null;
            _vipsInSync = false;
            _openRead?.Spoil();
            _metrics.RecordError("reconcile");
            throw;
        }
    }

    /// <summary>Warns once about each kernel entry the read could not represent (again only if it goes away and comes back).</summary>
    private void ReportUnreadable(KernelTable table)
    {
        _reportedUnreadable.IntersectWith(table.Unreadable);
        foreach (string problem in table.Unreadable)
        {
            if (_reportedUnreadable.Add(problem))
            {
                _log.Warning("Leaving an IPVS entry alone that ipvs-agent cannot represent: {Problem}", problem);
            }
        }
    }

    /// <summary>One pass; <paramref name="readTable"/> gets a fresh table for a full pass, null plans from the last table's projection.</summary>
    /// <param name="reasons">Why the pass runs.</param>
    /// <param name="readTable">The fresh table's source, or null.</param>
    private ReconcileReport RunCore(ReconcileReason reasons, Func<KernelTable>? readTable)
    {
        var timing = new PassTiming(_time);
        bool readKernel = readTable is not null;
        KernelTable table = readTable is not null ? readTable() : _lastTable!;
        if (readKernel)
        {
            _metrics.SetKernelTable(table, Ownership);
            ReportUnreadable(table);
        }

        TimeSpan read = timing.Lap();
        DesiredInput desired = _desired.Assemble();
        TimeSpan assemble = timing.Lap();
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
        TimeSpan planning = timing.Lap();
        if (readKernel || ChangesServiceSet(plan, before))
        {
            SyncVips(expected, plan.NextOwnership);
        }

        TimeSpan vips = timing.Lap();
        ApplyOutcome outcome = ApplyPlan(plan.Operations, before);
        TimeSpan apply = timing.Lap();
        var failed = outcome.Failures.Select(failure => failure.Operation).ToHashSet(ReferenceEqualityComparer.Instance);
        IReadOnlyList<IpvsOperation> applied = failed.Count == 0 ? plan.Operations : [.. plan.Operations.Where(operation => !failed.Contains(operation))];
        _openRead?.Record(applied);
        LogAppliedAll(applied);
        foreach (IpvsOperation operation in applied)
        {
            _metrics.RecordOperation(operation.Kind, drift: reasons == ReconcileReason.Resync);
        }

        OwnershipRecord next = plan.NextOwnership;
        bool staleRead = false;
        if (outcome.Failures.Count > 0)
        {
            (next, staleRead) = ReportFailures(outcome.Failures, before, next);
        }

        if (!ReferenceEquals(next.Services, before.Services))
        {
            (next, bool missed) = KeepOwnedServicesTheTableMissed(table, before, next);
            staleRead |= missed;
        }

        if (!next.Equals(before))
        {
            _store.Save(next);
        }

        Ownership = next;
        _lastCleanPass = failed.Count == 0 && desired.IsComplete ? new CleanPass(desired.State, plan.Issues) : null;

        // A table the kernel contradicted is no base for the next pass: that one reads the kernel.
        Volatile.Write(ref _lastTable, staleRead ? null
            : failed.Count == 0 ? expected
            : KernelTableProjection.Apply(table, applied));
        if (_log.IsEnabled(LogEventLevel.Debug))
        {
            LogTiming(reasons, readKernel, plan, timing, [read, assemble, planning, vips, apply]);
        }

        return new ReconcileReport(plan, outcome, readKernel, desired, staleRead);
    }

    /// <summary>
    /// Applies the plan. When it creates services and does more, the creations go first, in a batch of their own: a
    /// service that someone else created meanwhile, or that a stale read missed, then refuses its creation (EEXIST)
    /// before anything is added to it, and the operations planned inside a service that turned out not to be the
    /// agent's are not sent (<see cref="FailureKind.Withheld"/>): the agent never puts its real servers into another's
    /// service. Costs one datagram more, on passes that create services only.
    /// </summary>
    private ApplyOutcome ApplyPlan(IReadOnlyList<IpvsOperation> operations, OwnershipRecord before)
    {
        int creations = operations.Count(operation => operation.Kind == IpvsOperationKind.AddService);
        if (creations == 0 || creations == operations.Count)
        {
            return _kernel.Apply(operations);
        }

        ApplyOutcome created = _kernel.Apply([.. operations.Where(operation => operation.Kind == IpvsOperationKind.AddService)]);
        HashSet<VirtualServiceKey> foreign = [.. created.Failures
            .Where(failure => failure.Kind == FailureKind.AlreadyExists && !before.Owns(failure.Operation.ServiceKey))
            .Select(failure => failure.Operation.ServiceKey)];
        List<IpvsOperation> rest = new(operations.Count - creations);
        List<OperationFailure> withheld = [];
        foreach (IpvsOperation operation in operations)
        {
            if (operation.Kind == IpvsOperationKind.AddService)
            {
                continue;
            }

            if (foreign.Contains(operation.ServiceKey))
            {
                withheld.Add(new OperationFailure(operation, "not sent: the service exists and is not this agent's", FailureKind.Withheld));
            }
            else
            {
                rest.Add(operation);
            }
        }

        ApplyOutcome others = _kernel.Apply(rest);
        return new ApplyOutcome(created.Count + others.Count, [.. created.Failures, .. withheld, .. others.Failures], created.Datagrams + others.Datagrams);
    }

    /// <summary>
    /// An owned service the plan forgets because the table lacks it ("gone, and no longer wanted") is asked for once
    /// more, by key: a dump that missed it (dumps are not atomic) would otherwise leave it in the kernel, unowned, for
    /// good. One that is there stays owned, and the pass counts as a stale read, so the next pass reads the kernel and
    /// removes it.
    /// </summary>
    private (OwnershipRecord Next, bool Missed) KeepOwnedServicesTheTableMissed(KernelTable table, OwnershipRecord before, OwnershipRecord next)
    {
        List<VirtualServiceKey> missed = [];
        foreach (VirtualServiceKey key in before.Services)
        {
            if (next.Owns(key) || table.TryGetService(key, out _) || _policy.Refusal(key) is not null || !_kernel.HasService(key))
            {
                continue;
            }

            missed.Add(key);
            next = next.WithService(key);
        }

        if (missed.Count > 0)
        {
            _log.Warning(
                "{Service}{More}: owned, no longer wanted and missing from the table this pass planned from, but the kernel has it: the table was stale " +
                "(the kernel's IPVS dump is not atomic); still owned, and the next pass reads the kernel afresh",
                missed[0], missed.Count > 1 ? $" (and {missed.Count - 1} more)" : string.Empty);
        }

        return (next, missed.Count > 0);
    }

    /// <summary>
    /// Logs each failure, except the refusals that only show that the pass planned from a stale table (one warning for
    /// all of those) and the operations withheld from another's service (one warning per service), and settles what the
    /// failures mean for ownership.
    /// </summary>
    /// <returns>The next ownership record, and whether the pass planned from a stale table.</returns>
    private (OwnershipRecord Next, bool StaleRead) ReportFailures(IReadOnlyList<OperationFailure> failures, OwnershipRecord before, OwnershipRecord next)
    {
        HashSet<VirtualServiceKey> notCreated = [.. failures.Where(failure => failure.Operation.Kind == IpvsOperationKind.AddService).Select(failure => failure.Operation.ServiceKey)];
        List<OperationFailure> stale = [];
        foreach (OperationFailure failure in failures)
        {
            if (failure.Kind == FailureKind.Withheld)
            {
                continue;
            }

            if (ShowsStaleRead(failure, notCreated))
            {
                stale.Add(failure);
            }
            else
            {
                _log.Error("Failed to {Change} {Subject}: {Error} (for {Source}); the rest of the plan was applied",
                    ChangeName(failure.Operation.Kind), Subject(failure.Operation), failure.Error, SourceText(failure.Operation));
                _metrics.RecordError("operation");
            }

            // A service we failed to create is not ours: if it appeared meanwhile, someone else made it.
            if (failure.Operation.Kind == IpvsOperationKind.AddService && !before.Owns(failure.Operation.ServiceKey))
            {
                next = next.WithoutService(failure.Operation.ServiceKey);
            }
        }

        foreach (IGrouping<VirtualServiceKey, OperationFailure> service in failures.Where(failure => failure.Kind == FailureKind.Withheld).GroupBy(failure => failure.Operation.ServiceKey))
        {
            _log.Warning("{Service} appeared in the kernel, made by someone else, as this pass was to create it: its {Count} planned real-server operations were not sent; left alone",
                service.Key, service.Count());
        }

        if (stale.Count == 0)
        {
            return (next, false);
        }

        WarnStaleRead(stale);
        return (KeepDrainsOfServicesTakenForMissing(next, before, stale), true);
    }

    /// <summary>
    /// Whether a refusal contradicts the table the plan was made from: an add of what the kernel says exists, a change
    /// or delete of what it says does not. A real server refused for want of its service is the consequence of another
    /// failure, not a contradiction, when this batch failed to create that service (<paramref name="notCreated"/>).
    /// </summary>
    internal static bool ShowsStaleRead(OperationFailure failure, IReadOnlySet<VirtualServiceKey> notCreated) => (failure.Kind, failure.Operation.Kind) switch
    {
        (FailureKind.AlreadyExists, IpvsOperationKind.AddService or IpvsOperationKind.AddServer) => true,
        (FailureKind.NoSuchService, IpvsOperationKind.AddServer) => !notCreated.Contains(failure.Operation.ServiceKey),
        (FailureKind.NoSuchService, IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService
            or IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer) => true,
        (FailureKind.NoSuchServer, IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer) => true,
        _ => false,
    };

    /// <summary>
    /// An owned service the read missed was planned as missing, and missing services have no drains: but the kernel
    /// says it is there, so its drains go on with their deadlines instead of starting over at the next pass.
    /// </summary>
    private static OwnershipRecord KeepDrainsOfServicesTakenForMissing(OwnershipRecord next, OwnershipRecord before, List<OperationFailure> stale)
    {
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

    /// <summary>One warning for all of a pass's contradictions: they are one stale read, whatever their number.</summary>
    private void WarnStaleRead(List<OperationFailure> stale)
    {
        OperationFailure first = stale[0];
        string refusal = first.Kind switch
        {
            FailureKind.AlreadyExists => "it already exists",
            FailureKind.NoSuchService => "the service does not exist",
            _ => "the real server does not exist",
        };
        _log.Warning(
            "The kernel refused to {Change} {Subject}: {Refusal}{More}. The table this pass planned from was stale: the kernel's IPVS dump is not atomic, " +
            "and something changed the table while it was read; the next pass reads it afresh",
            ChangeName(first.Operation.Kind), Subject(first.Operation), refusal, stale.Count > 1 ? $" (and {stale.Count - 1} more refusals like it)" : string.Empty);
    }

    private void LogTiming(ReconcileReason reasons, bool readKernel, Plan plan, PassTiming timing, TimeSpan[] phases) =>
        _log.Debug("{Kind} pass ({Reasons}): {Operations} operations in {TotalMs:0.0} ms: kernel read {ReadMs:0.0}, assemble {AssembleMs:0.0}, plan {PlanMs:0.0}, VIPs {VipMs:0.0}, apply {ApplyMs:0.0}; GC pauses {GcMs:0.0} ms, JIT {JitMs:0.0} ms",
            readKernel ? "Full" : "Scoped", reasons, plan.Operations.Count, timing.Total.TotalMilliseconds, phases[0].TotalMilliseconds, phases[1].TotalMilliseconds,
            phases[2].TotalMilliseconds, phases[3].TotalMilliseconds, phases[4].TotalMilliseconds, timing.GcPauses.TotalMilliseconds, timing.Jit.TotalMilliseconds);

    /// <summary>Where a pass's time went, for the debug log: the event-to-kernel latency is mostly one pass.</summary>
    private sealed class PassTiming(TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        private readonly TimeSpan _gcPausesBefore = GC.GetTotalPauseDuration();
        private readonly TimeSpan _jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        private long _lap = time.GetTimestamp();

        public TimeSpan Total => time.GetElapsedTime(_started);

        /// <summary>Stop-the-world collections during the pass so far.</summary>
        public TimeSpan GcPauses => GC.GetTotalPauseDuration() - _gcPausesBefore;

        /// <summary>Compilation on any thread during the pass so far (tier-up runs in the background, on the same CPU).</summary>
        public TimeSpan Jit => System.Runtime.JitInfo.GetCompilationTime() - _jitBefore;

        public TimeSpan Lap()
        {
            long now = time.GetTimestamp();
            TimeSpan lap = time.GetElapsedTime(_lap, now);
            _lap = now;
            return lap;
        }
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

    /// <summary>
    /// Whether a pass between full reads must look at the VIPs: they follow the owned services, so only a plan that adds
    /// or removes a service or changes what is owned can change them, unless the last sync failed. (Listing a thousand
    /// addresses is most of a one-server pass.) Full passes always sync: drift on the interface is repaired there.
    /// </summary>
    private bool ChangesServiceSet(Plan plan, OwnershipRecord before) =>
        !_vipsInSync
        || plan.Operations.Any(operation => operation.Kind is IpvsOperationKind.AddService or IpvsOperationKind.DeleteService)
        || !(ReferenceEquals(plan.NextOwnership.Services, before.Services) || plan.NextOwnership.Services.SetEquals(before.Services));

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
        _vipsInSync = false;
        try
        {
            IReadOnlyList<string> changes = _vips.Sync(wanted, address => _policy.AddressBlocks.Any(block => block.Contains(address)));
            bool large = ChangeSummary.IsLarge(changes.Count);
            if (large)
            {
                int added = changes.Count(change => change.StartsWith("added", StringComparison.Ordinal));
                _log.Information("VIPs: {Added} added, {Removed} removed (first: {First}; each at debug level)", added, changes.Count - added, changes[0]);
            }

            foreach (string change in changes)
            {
                _log.Write(large ? LogEventLevel.Debug : LogEventLevel.Information, "{Change}", change);
            }

            _vipsInSync = true;
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

    /// <summary>Warns once about each issue (a conflict, a refusal) while it lasts, again only if it goes away and comes back.</summary>
    /// <remarks>A plan's issues are complete on every pass (an incremental pass carries the unchanged services' issues over).</remarks>
    private void ReportIssues(Plan plan)
    {
        _metrics.SetConflicts(plan.Issues.Count(issue => issue.Kind == PlanIssueKind.ForeignCollision));
        var current = plan.Issues.Select(issue => issue.Message).ToHashSet();
        foreach (string issue in current.Where(issue => !_reportedIssues.Contains(issue)))
        {
            _log.Warning("{Issue}", issue);
        }

        _reportedIssues = current;
    }

    private const string AppliedTemplate = "{Change} {Subject}: {Reason} (source: {Source})";

    /// <summary>One line per change, or for a large pass a summary with examples and each change at debug level (<see cref="ChangeSummary"/>).</summary>
    private void LogAppliedAll(IReadOnlyList<IpvsOperation> applied)
    {
        if (!ChangeSummary.IsLarge(applied.Count))
        {
            foreach (IpvsOperation operation in applied)
            {
                LogApplied(operation);
            }

            return;
        }

        _log.Information("Applied {Count} changes: {ByKind}; by source: {BySource}; {Services} touched; each change at debug level",
            applied.Count, ChangeSummary.ByKind(applied), ChangeSummary.BySource(applied), ChangeSummary.ServicesTouched(applied));
        foreach (IpvsOperation operation in ChangeSummary.Examples(applied))
        {
            LogApplied(operation, "  e.g. " + AppliedTemplate);
        }

        if (_log.IsEnabled(LogEventLevel.Debug))
        {
            foreach (IpvsOperation operation in applied)
            {
                LogApplied(operation, level: LogEventLevel.Debug);
            }
        }
    }

    private void LogApplied(IpvsOperation operation, string template = AppliedTemplate, LogEventLevel level = LogEventLevel.Information) =>
        _log.Write(level, template, Capitalized(ChangeName(operation.Kind)), Subject(operation), operation.Reason, SourceText(operation));

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
        LogAppliedAll([.. operations.Except(outcome.Failures.Select(failure => failure.Operation))]);

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
