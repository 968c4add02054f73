using Ipvs.Core.Desired;

namespace Ipvs.Agent.Reconciliation;

/// <summary>What to plan against: the merged desired state, every problem the sources reported, and the sources not read yet.</summary>
/// <param name="State">The merged state, manual drains already taken out.</param>
/// <param name="Problems">Source errors and merge conflicts, in plain words.</param>
/// <param name="NotReady">Sources that have not delivered a first good snapshot: while any is listed, nothing owned is removed.</param>
internal sealed record DesiredInput(DesiredState State, IReadOnlyList<string> Problems, IReadOnlyList<string> NotReady)
{
    public bool IsComplete => NotReady.Count == 0;
}

/// <summary>Merges the sources' latest snapshots (in order: static file first, then Docker) and applies manual drains.</summary>
internal sealed class DesiredStateAssembler(IReadOnlyList<IDesiredSource> sources, ManualDrainStore? drains)
{
    private long _revision;

    public IReadOnlyList<IDesiredSource> Sources => sources;

    public DesiredInput Assemble()
    {
        var problems = new List<string>();
        var notReady = new List<string>();
        var declarations = new List<ServiceDeclaration>();
        foreach (IDesiredSource source in sources)
        {
            if (source.Current is not { } snapshot)
            {
                notReady.Add(source.Name);
                continue;
            }

            declarations.AddRange(snapshot.Declarations);
            problems.AddRange(snapshot.Errors);
        }

        DesiredMergeResult merged = DesiredStateBuilder.Merge(Interlocked.Increment(ref _revision), declarations);
        problems.AddRange(merged.Conflicts.Select(conflict => conflict.Message));
        DesiredState state = merged.State;
        if (drains is not null)
        {
            try
            {
                state = ManualDrainStore.Apply(state, drains.Load());
            }
            catch (FormatException exception)
            {
                problems.Add($"manual drains ignored: {exception.Message}");
            }
        }

        return new DesiredInput(state, problems, notReady);
    }
}
