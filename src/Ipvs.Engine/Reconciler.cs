using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Serilog;

namespace Ipvs.Engine;

/// <summary>
/// One pass: get the kernel table (read, or the last one projected forward), assemble the desired state, plan with the
/// pure planner, apply the plan through the batched gateway, journal the next ownership record. Never flushes;
/// touches only what it owns. Orchestration only: what the outcome means is decided by <see cref="ReconcileRules"/>,
/// what is told by <see cref="PassReporter"/>.
/// </summary>
/// <remarks>
/// A pass whose refusals show the table it planned from was stale (the kernel's dump is not atomic) is no failure: one
/// warning, no projection kept (the next pass reads the kernel), and the report says so, for the loop to run that
/// pass soon. A preview (<c>plan</c>) is the same pass without sending, journaling or touching the VIPs.
/// </remarks>
internal sealed class Reconciler : IReconcilePass
{
    private readonly IKernelGateway _kernel;
    private readonly IKernelGateway _reader;
    private readonly IVipAddresses? _vips;
    private readonly ISourceNat? _sourceNat;
    private readonly IOwnershipStore _store;

    /// <summary>The journal on disk is not <see cref="Ownership"/> (an intent was written, or a write failed).</summary>
    private bool _journalBehind;
    private readonly DesiredStateAssembler _desired;
    private readonly OwnershipPolicy _policy;
    private readonly Planner _planner;
    private readonly TimeProvider _time;
    private readonly IReconcileMetrics _metrics;
    private readonly PassReporter _report;
    private KernelTable? _lastTable;
    private CleanPass? _lastCleanPass;
    private KernelRead? _openRead;
    private bool _vipsInSync;
    private bool _sourceNatInSync;

    /// <summary>Loads the journal: the agent adopts exactly what it says it owns.</summary>
    /// <remarks>
    /// <c>reader</c> is a second connection for full reads that run while passes apply changes (<see cref="StartRead"/>);
    /// without it reads go through <c>kernel</c>, and then a read must not overlap a pass. <c>sourceNat</c>, when given,
    /// keeps the host's source NAT following the owned NAT services.
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
        IReconcileMetrics metrics,
        IKernelGateway? reader = null,
        ISourceNat? sourceNat = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(store);
        _kernel = kernel;
        _reader = reader ?? kernel;
        _vips = vips;
        _sourceNat = sourceNat;
        _store = store;
        _desired = desired;
        _planner = planner;
        _policy = policy;
        _time = time;
        _metrics = metrics;
        _report = new PassReporter(log, metrics);
        Ownership = store.Load(out string? notice);
        if (notice is not null)
        {
            log.Warning("Ownership journal set aside: {Notice}", notice);
        }

        if (Ownership.Services.Count > 0)
        {
            log.Information("Adopted {Services} owned services and {Drains} drains from the journal", Ownership.Services.Count, Ownership.Drains.Count);
        }
    }

    public OwnershipRecord Ownership { get; private set; }

    /// <summary>The kernel table as of the last pass (read or projected), or null before the first.</summary>
    public KernelTable? LastTable => Volatile.Read(ref _lastTable);

    public ReconcileReport Run(ReconcileReason reasons, PassTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table is PassTable.Completed { Read: var read } && ReferenceEquals(_openRead, read))
        {
            _openRead = null;
        }

        return Guarded(() => RunCore(reasons, TableSource(table), send: true));
    }

    /// <summary>What a full pass would do now, without sending anything, journaling or touching the VIPs: <c>plan</c>.</summary>
    public ReconcileReport Preview() => RunCore(ReconcileReason.Startup, _kernel.ReadTable, send: false);

    public KernelRead StartRead()
    {
        // Without a second connection the read cannot overlap passes: it is done before this returns.
        _report.ReadStarted(concurrent: !ReferenceEquals(_reader, _kernel));
        var read = new KernelRead(ReferenceEquals(_reader, _kernel) ? ReadNow() : BackgroundRead.Start(_reader.ReadTable));
        _openRead = read;
        return read;
    }

    /// <summary>The fresh table's source for a full pass, or null to plan from the last table's projection.</summary>
    private Func<KernelTable>? TableSource(PassTable table) => table switch
    {
        PassTable.Completed { Read.Spoiled: true } => _kernel.ReadTable,
        PassTable.Completed { Read: var read } => () => KernelTableProjection.Apply(read.Table.GetAwaiter().GetResult(), read.AppliedMeanwhile),
        PassTable.LastProjection when _lastTable is not null => null,
        _ => _kernel.ReadTable,
    };

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
            _sourceNatInSync = false;
            _openRead?.Spoil();
            _metrics.RecordError(ErrorKinds.Reconcile);
            throw;
        }
    }

    /// <param name="reasons">Why the pass runs.</param>
    /// <param name="readTable">The fresh table's source, or null to plan from the last table's projection.</param>
    /// <param name="send">False for a preview: plan only.</param>
    private ReconcileReport RunCore(ReconcileReason reasons, Func<KernelTable>? readTable, bool send)
    {
        var timing = new PassTiming(_time);
        bool readKernel = readTable is not null;
        KernelTable table = readTable is not null ? readTable() : _lastTable!;
        if (readKernel && send)
        {
            _metrics.SetKernelTable(table, Ownership);
        }

        if (send)
        {
            _report.Unreadable(table);
        }

        TimeSpan read = timing.Lap();
        DesiredInput desired = _desired.Assemble();
        TimeSpan assemble = timing.Lap();
        _report.Problems(desired);
        OwnershipRecord before = Ownership;
        if (before.Pending.Count > 0 && readKernel)
        {
            before = ReconcileRules.ResolvePending(before, table, out var resolved);
            if (send)
            {
                _report.PendingResolved(resolved);
                Ownership = before;
                _journalBehind = true;
            }
        }

        if (readKernel && ReconcileRules.ConfirmIdentity(before, table, out var disowned) is var confirmed && !ReferenceEquals(confirmed, before))
        {
            before = confirmed;
            if (send)
            {
                _report.Disowned(disowned);
                Ownership = before;
                _journalBehind = true;
            }
        }

        Plan plan = PlanPass(desired.State, table, before, readKernel);
        if (!desired.IsComplete)
        {
            plan = ReconcileRules.Hold(plan, before);
        }

        if (!send)
        {
            return new ReconcileReport(plan, ApplyOutcome.Nothing, readKernel, desired);
        }

        _report.Issues(plan);

        // VIPs follow the table the plan leads to, and go up before the batch: when a service appears in the kernel
        // its VIP is already local, and a retired service keeps its VIP while its real servers drain.
        KernelTable expected = KernelTableProjection.Apply(table, plan.Operations);

        // Write-ahead: the services this pass creates are journaled before the kernel is asked. A journal that cannot
        // be written stops the pass here, before the kernel changes, instead of creating entries nobody owns.
        if (ReconcileRules.Intent(before, plan.Operations) is { } intent)
        {
            _store.Save(intent);
            _journalBehind = true;
        }

        TimeSpan planning = timing.Lap();
        if (readKernel || !_vipsInSync || ReconcileRules.ChangesServiceSet(plan, before))
        {
            SyncVips(ReconcileRules.WantedVips(expected, plan.NextOwnership));
        }

        // Source NAT goes in before the first NAT connection to another host can start, and stays while one drains.
        if (readKernel || !_sourceNatInSync || plan.Operations.Count > 0)
        {
            SyncSourceNat(ReconcileRules.SourceNatFamilies(expected, plan.NextOwnership), recheck: readKernel);
        }

        TimeSpan vips = timing.Lap();
        ApplyOutcome outcome = ApplyPlan(plan.Operations, before);
        TimeSpan apply = timing.Lap();
        IReadOnlyList<IpvsOperation> applied = ReconcileRules.Succeeded(plan.Operations, outcome.Failures);
        _openRead?.Record(applied);
        _report.Applied(applied);
        foreach (IpvsOperation operation in applied)
        {
            _metrics.RecordOperation(operation.Kind, drift: reasons == ReconcileReason.Resync);
        }

        FailureSettlement settled = ReconcileRules.SettleFailures(outcome.Failures, before, plan.NextOwnership);
        _report.Failures(settled);
        OwnershipRecord next = settled.Next;
        IReadOnlyList<VirtualServiceKey> missed = [.. ReconcileRules.ForgottenForMissing(table, before, next, _policy).Where(_kernel.HasService)];
        _report.MissedByTable(missed);
        next = missed.Aggregate(next, (record, key) => before.Configurations.TryGetValue(key, out VirtualService configured)
            ? record.WithService(configured)
            : record.WithService(key));
        next = ReconcileRules.RecordConfigurations(next, applied);
        bool staleRead = settled.StaleRead || missed.Count > 0;

        // Ownership follows the kernel even when the journal cannot: a failed write leaves the journal behind, and the
        // next pass writes it again (until then, its pending creations are what a restart resolves).
        Ownership = next;
        if (_journalBehind || !next.Equals(before))
        {
            _store.Save(next);
            _journalBehind = false;
        }

        _lastCleanPass = outcome.Failures.Count == 0 && desired.IsComplete ? new CleanPass(desired.State, plan.Issues) : null;

        // A table the kernel contradicted is no base for the next pass: that one reads the kernel.
        Volatile.Write(ref _lastTable, staleRead ? null
            : outcome.Failures.Count == 0 ? expected
            : KernelTableProjection.Apply(table, applied));
        _report.Timing(reasons, readKernel, plan, timing, [read, assemble, planning, vips, apply]);
        return new ReconcileReport(plan, outcome, readKernel, desired, staleRead);
    }

    /// <summary>
    /// Applies the plan. When it creates services and does more, the creations go first, in a batch of their own: a
    /// service that someone else created meanwhile, or that a stale read missed, then refuses its creation (EEXIST)
    /// before anything is added to it, and what was planned inside a service that proved not the agent's is withheld
    /// (<see cref="ReconcileRules.WithholdFromForeign"/>). Costs one datagram more, on passes that create services only.
    /// </summary>
    private ApplyOutcome ApplyPlan(IReadOnlyList<IpvsOperation> operations, OwnershipRecord before)
    {
        int creations = operations.Count(operation => operation.Kind == IpvsOperationKind.AddService);
        if (creations == 0 || creations == operations.Count)
        {
            return _kernel.Apply(operations);
        }

        ApplyOutcome created = _kernel.Apply([.. operations.Where(operation => operation.Kind == IpvsOperationKind.AddService)]);
        (IReadOnlyList<IpvsOperation> toSend, IReadOnlyList<OperationFailure> withheld) = ReconcileRules.WithholdFromForeign(operations, created.Failures, before);
        ApplyOutcome others = _kernel.Apply(toSend);
        return new ApplyOutcome(created.Count + others.Count, [.. created.Failures, .. withheld, .. others.Failures], created.Datagrams + others.Datagrams);
    }

    /// <summary>
    /// A full plan after a kernel read; between reads, when the last pass was applied whole and the table is its
    /// projection, a plan of only the services whose desired state changed since, with the last pass's issues kept for
    /// the rest. Drain deadlines of services left out are looked at again by the next full resync.
    /// </summary>
    private Plan PlanPass(DesiredState desired, KernelTable table, OwnershipRecord ownership, bool readKernel)
    {
        if (readKernel || _lastCleanPass is not { } last)
        {
            return _planner.Plan(desired, table, ownership, _time.GetUtcNow());
        }

        HashSet<VirtualServiceKey> changed = ReconcileRules.ChangedServices(last.Desired, desired);
        Plan plan = _planner.Plan(desired, table, ownership, _time.GetUtcNow(), changed);
        return plan with { Issues = ReconcileRules.CarryIssues(last.Issues, changed, plan.Issues) };
    }

    private void SyncVips(HashSet<NetAddress> wanted)
    {
        if (_vips is null)
        {
            return;
        }

        _vipsInSync = false;
        try
        {
            _report.VipChanges(_vips.Sync(wanted, address => _policy.AddressBlocks.Any(block => block.Contains(address))));
            _vipsInSync = true;
        }
        catch (VipSyncException exception)
        {
            _report.VipFailure(exception);
        }
    }

    private void SyncSourceNat(HashSet<IpFamily> families, bool recheck)
    {
        if (_sourceNat is null)
        {
            return;
        }

        _sourceNatInSync = false;
        try
        {
            _report.SourceNat(_sourceNat.Sync(families, recheck));
            _sourceNatInSync = true;
        }
        catch (SourceNatSyncException exception)
        {
            _report.SourceNatFailure(exception);
        }
    }

    /// <summary>Deletes every owned service with its real servers (for <c>run --cleanup</c>); foreign entries are untouched.</summary>
    public ApplyOutcome RemoveOwned()
    {
        KernelTable table = _kernel.ReadTable();
        List<IpvsOperation> operations = [.. Ownership.Services
            .Select(key => table.TryGetService(key, out KernelService? service) ? service : null)
            .OfType<KernelService>()
            .Select(service => new IpvsOperation(IpvsOperationKind.DeleteService, service.Service, null, null, "agent stopping with --cleanup"))];
        ApplyOutcome outcome = _kernel.Apply(operations);
        _report.Applied(ReconcileRules.Succeeded(operations, outcome.Failures));
        _report.CleanupFailures(outcome.Failures);
        _lastCleanPass = null;
        Ownership = outcome.Failures.Aggregate(OwnershipRecord.Empty, (record, failure) => record.WithService(failure.Operation.ServiceKey));
        _store.Save(Ownership);
        _vips?.Sync(new HashSet<NetAddress>(), address => _policy.AddressBlocks.Any(block => block.Contains(address)));
        return outcome;
    }
}
