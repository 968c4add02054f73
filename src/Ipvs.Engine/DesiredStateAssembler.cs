using Ipvs.Core.Desired;
using Ipvs.Core.Reconciling;

namespace Ipvs.Engine;

/// <summary>
/// Merges the sources' latest snapshots (in order: static file first, then Docker) and applies health (checked real
/// servers that are down, fallbacks; see <see cref="HealthFilter"/>) and manual drains; with a
/// <c>checkNames</c> (the DNS responder is on) it also reports the problems that check finds in the merged state's
/// service names (two VIPs of one family under one name, a name that is no DNS label).
/// </summary>
/// <remarks>
/// Remembers the last merge: when no source replaced its snapshot the merge is reused as it is, and when one did,
/// services whose declarations are unchanged keep their <see cref="DesiredService"/> instances (see
/// <see cref="DesiredStateMerger"/>), which is what lets the reconciler plan only the services that changed.
/// </remarks>
internal sealed class DesiredStateAssembler(
    IReadOnlyList<IDesiredSource> sources, IManualDrainSource? drains, Func<DesiredState, IReadOnlyList<string>>? checkNames = null, IServerHealthSource? health = null)
{
    private (DesiredState State, IReadOnlyList<string> Problems)? _nameProblems;

    private readonly DesiredStateMerger _merger = new();
    private readonly Lock _mergeLock = new();
    private long _revision;
    private (SourceSnapshot?[] Snapshots, DesiredMergeResult Result)? _lastMerge;

    public IReadOnlyList<IDesiredSource> Sources => sources;

    public DesiredInput Assemble()
    {
        var problems = new List<string>();
        var notReady = new List<string>();
        var snapshots = new SourceSnapshot?[sources.Count];
        for (int index = 0; index < sources.Count; index++)
        {
            snapshots[index] = sources[index].Current;
            if (snapshots[index] is not { } snapshot)
            {
                notReady.Add(sources[index].Name);
                continue;
            }

            problems.AddRange(snapshot.Errors);
        }

        DesiredMergeResult merged = Merge(snapshots);
        problems.AddRange(merged.Conflicts.Select(conflict => conflict.Message));
        if (checkNames is not null)
        {
            problems.AddRange(NameProblems(merged.State, checkNames));
        }

        DesiredState state = merged.State;
        if (health is not null)
        {
            health.Track(state);
            state = HealthFilter.Apply(state, health.HealthOf);
        }

        if (drains is not null)
        {
            state = ManualDrainFilter.Apply(state, drains.LoadOrLastGood(out string? problem));
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        return new DesiredInput(state, problems, notReady);
    }

    /// <summary>Checked once per merged state: an unchanged merge is not checked again.</summary>
    private IReadOnlyList<string> NameProblems(DesiredState state, Func<DesiredState, IReadOnlyList<string>> check)
    {
        lock (_mergeLock)
        {
            if (_nameProblems is { } last && ReferenceEquals(last.State, state))
            {
                return last.Problems;
            }

            IReadOnlyList<string> problems = check(state);
            _nameProblems = (state, problems);
            return problems;
        }
    }

    private DesiredMergeResult Merge(SourceSnapshot?[] snapshots)
    {
        lock (_mergeLock)
        {
            if (_lastMerge is { } last && last.Snapshots.AsSpan().SequenceEqual(snapshots, ReferenceEqualityComparer.Instance))
            {
                return last.Result;
            }

            var declarations = new List<ServiceDeclaration>(snapshots.Sum(snapshot => snapshot?.Declarations.Count ?? 0));
            foreach (SourceSnapshot? snapshot in snapshots)
            {
                if (snapshot is not null)
                {
                    declarations.AddRange(snapshot.Declarations);
                }
            }

            DesiredMergeResult merged = _merger.Merge(Interlocked.Increment(ref _revision), declarations);
            _lastMerge = (snapshots, merged);
            return merged;
        }
    }
}
