using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Serilog;
using Serilog.Events;

namespace Ipvs.Engine;

/// <summary>
/// What a pass tells the operator and the metrics: each problem, issue and unreadable entry once while it lasts
/// (again only if it goes away and comes back), each change in a line or a summary, each failure by what it means.
/// </summary>
internal sealed class PassReporter(ILogger log, IReconcileMetrics metrics)
{
    private const string AppliedTemplate = "{Change} {Subject}: {Reason} (source: {Source})";

    private HashSet<string> _reportedProblems = [];
    private HashSet<string> _reportedIssues = [];
    private readonly HashSet<string> _reportedUnreadable = [];
    private string? _sourceNatError;
    private string? _sourceNatWarning;

    /// <summary>Warns once about each kernel entry the read could not represent.</summary>
    public void Unreadable(KernelTable table)
    {
        _reportedUnreadable.IntersectWith(table.Unreadable);
        foreach (string problem in table.Unreadable)
        {
            if (_reportedUnreadable.Add(problem))
            {
                log.Warning("Leaving an IPVS entry alone that ipvs-agent cannot represent: {Problem}", problem);
            }
        }
    }

    /// <summary>Source errors, merge conflicts and sources not read yet.</summary>
    public void Problems(DesiredInput desired)
    {
        var current = desired.Problems.Concat(desired.NotReady.Select(source => $"{source} not read yet: nothing owned is removed until it is")).ToHashSet();
        foreach (string problem in current.Where(problem => !_reportedProblems.Contains(problem)))
        {
            log.Warning("{Problem}", problem);
        }

        _reportedProblems = current;
    }

    /// <summary>A plan's issues (conflicts, refusals); a plan's issues are complete on every pass.</summary>
    public void Issues(Plan plan)
    {
        metrics.SetConflicts(plan.Issues.Count(issue => issue.Kind == PlanIssueKind.ForeignCollision));
        var current = plan.Issues.Select(issue => issue.Message).ToHashSet();
        foreach (string issue in current.Where(issue => !_reportedIssues.Contains(issue)))
        {
            log.Warning("{Issue}", issue);
        }

        _reportedIssues = current;
    }

    /// <summary>One line per change, or for a large pass a summary with examples and each change at debug level (<see cref="ChangeSummary"/>).</summary>
    public void Applied(IReadOnlyList<IpvsOperation> applied)
    {
        if (!ChangeSummary.IsLarge(applied.Count))
        {
            foreach (IpvsOperation operation in applied)
            {
                Applied(operation);
            }

            return;
        }

        log.Information("Applied {Count} changes: {ByKind}; by source: {BySource}; {Services} touched; each change at debug level",
            applied.Count, ChangeSummary.ByKind(applied), ChangeSummary.BySource(applied), ChangeSummary.ServicesTouched(applied));
        foreach (IpvsOperation operation in ChangeSummary.Examples(applied))
        {
            Applied(operation, "  e.g. " + AppliedTemplate);
        }

        if (log.IsEnabled(LogEventLevel.Debug))
        {
            foreach (IpvsOperation operation in applied)
            {
                Applied(operation, level: LogEventLevel.Debug);
            }
        }
    }

    /// <summary>
    /// Each error; one warning for all the refusals that only show a stale read; one warning per service whose
    /// operations were withheld.
    /// </summary>
    public void Failures(FailureSettlement settled)
    {
        foreach (OperationFailure failure in settled.Errors)
        {
            log.Error("Failed to {Change} {Subject}: {Error} (for {Source}); the rest of the plan was applied",
                ChangeText.ChangeName(failure.Operation.Kind), ChangeText.Subject(failure.Operation), failure.Error, ChangeText.SourceText(failure.Operation));
            metrics.RecordError(ErrorKinds.Operation);
        }

        foreach (IGrouping<VirtualServiceKey, OperationFailure> service in settled.Withheld.GroupBy(failure => failure.Operation.ServiceKey))
        {
            log.Warning("{Service} appeared in the kernel, made by someone else, as this pass was to create it: its {Count} planned real-server operations were not sent; left alone",
                service.Key, service.Count());
        }

        if (settled.Stale.Count == 0)
        {
            return;
        }

        OperationFailure first = settled.Stale[0];
        string refusal = first.Kind switch
        {
            KernelErrorKind.AlreadyExists => "it already exists",
            KernelErrorKind.NoSuchService => "the service does not exist",
            _ => "the real server does not exist",
        };
        log.Warning(
            "The kernel refused to {Change} {Subject}: {Refusal}{More}. The table this pass planned from was stale: the kernel's IPVS dump is not atomic, " +
            "and something changed the table while it was read; the next pass reads it afresh",
            ChangeText.ChangeName(first.Operation.Kind), ChangeText.Subject(first.Operation), refusal,
            settled.Stale.Count > 1 ? $" (and {settled.Stale.Count - 1} more refusals like it)" : string.Empty);
    }

    /// <summary>Owned services a stale table left out and the kernel confirmed: still owned, the next pass reads afresh.</summary>
    public void MissedByTable(IReadOnlyList<VirtualServiceKey> missed)
    {
        if (missed.Count == 0)
        {
            return;
        }

        log.Warning(
            "{Service}{More}: owned, no longer wanted and missing from the table this pass planned from, but the kernel has it: the table was stale " +
            "(the kernel's IPVS dump is not atomic); still owned, and the next pass reads the kernel afresh",
            missed[0], missed.Count > 1 ? $" (and {missed.Count - 1} more)" : string.Empty);
    }

    /// <summary>How the creations a stopped run journaled but never confirmed were settled: one line each.</summary>
    public void PendingResolved(IReadOnlyList<(VirtualServiceKey Service, bool Adopted, string Reason)> resolved)
    {
        foreach ((VirtualServiceKey service, bool adopted, string reason) in resolved)
        {
            if (adopted)
            {
                log.Information("{Service}: {Reason}", service, reason);
            }
            else
            {
                log.Warning("{Service}: {Reason}", service, reason);
            }
        }
    }

    /// <summary>Owned services someone else changed or re-created: no longer the agent's.</summary>
    public void Disowned(IReadOnlyList<(VirtualServiceKey Service, string Reason)> disowned)
    {
        foreach ((VirtualServiceKey service, string reason) in disowned)
        {
            log.Warning(
                "{Service}: configured otherwise than this agent left it ({Reason}): changed or re-created by someone else, so no longer owned and left as it is; delete it to have the agent create its own",
                service, reason);
        }
    }

    /// <summary>What the VIP sync changed: a line each, or a summary for a large one.</summary>
    public void VipChanges(IReadOnlyList<string> changes)
    {
        bool large = ChangeSummary.IsLarge(changes.Count);
        if (large)
        {
            int added = changes.Count(change => change.StartsWith("added", StringComparison.Ordinal));
            log.Information("VIPs: {Added} added, {Removed} removed (first: {First}; each at debug level)", added, changes.Count - added, changes[0]);
        }

        foreach (string change in changes)
        {
            log.Write(large ? LogEventLevel.Debug : LogEventLevel.Information, "{Change}", change);
        }
    }

    public void VipFailure(Exception exception)
    {
        metrics.RecordError(ErrorKinds.Vip);
        log.Error("Could not keep the VIPs on the interface: {Error}", exception.Message);
    }

    /// <summary>Each change in a line; a warning when it first appears or changes.</summary>
    public void SourceNat(SourceNatOutcome outcome)
    {
        if (_sourceNatError is not null)
        {
            log.Information("Source NAT is in place again");
            _sourceNatError = null;
        }

        foreach (string change in outcome.Changes)
        {
            log.Information("{Change}", change);
        }

        if (outcome.Warning != _sourceNatWarning && outcome.Warning is not null)
        {
            log.Warning("{Warning}", outcome.Warning);
        }

        _sourceNatWarning = outcome.Warning;
    }

    /// <summary>Counted every time, logged when the reason changes: a host without iptables would otherwise say it every resync.</summary>
    public void SourceNatFailure(Exception exception)
    {
        metrics.RecordError(ErrorKinds.SourceNat);
        if (exception.Message != _sourceNatError)
        {
            _sourceNatError = exception.Message;
            log.Error("Could not keep source NAT for the NAT services (real servers on other hosts cannot answer through this node): {Error}", exception.Message);
        }
    }

    public void Timing(ReconcileReason reasons, bool readKernel, Plan plan, PassTiming timing, TimeSpan[] phases)
    {
        if (!log.IsEnabled(LogEventLevel.Debug))
        {
            return;
        }

        log.Debug("{Kind} pass ({Reasons}): {Operations} operations in {TotalMs:0.0} ms: kernel read {ReadMs:0.0}, assemble {AssembleMs:0.0}, plan {PlanMs:0.0}, VIPs {VipMs:0.0}, apply {ApplyMs:0.0}; GC pauses {GcMs:0.0} ms, JIT {JitMs:0.0} ms",
            readKernel ? "Full" : "Scoped", reasons, plan.Operations.Count, timing.Total.TotalMilliseconds, phases[0].TotalMilliseconds, phases[1].TotalMilliseconds,
            phases[2].TotalMilliseconds, phases[3].TotalMilliseconds, phases[4].TotalMilliseconds, timing.GcPauses.TotalMilliseconds, timing.Jit.TotalMilliseconds);
    }

    public void ReadStarted(bool concurrent) =>
        log.Debug("Resync: reading the kernel{Where}", concurrent ? " while passes go on" : string.Empty);

    /// <summary>A cleanup's removals that failed.</summary>
    public void CleanupFailures(IReadOnlyList<OperationFailure> failures)
    {
        foreach (OperationFailure failure in failures)
        {
            log.Error("Failed to remove service {Service} on cleanup: {Error}", failure.Operation.ServiceKey, failure.Error);
        }
    }

    private void Applied(IpvsOperation operation, string template = AppliedTemplate, LogEventLevel level = LogEventLevel.Information) =>
        log.Write(level, template, ChangeText.Capitalized(ChangeText.ChangeName(operation.Kind)), ChangeText.Subject(operation), operation.Reason, ChangeText.SourceText(operation));
}
