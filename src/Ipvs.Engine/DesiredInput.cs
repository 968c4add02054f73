using Ipvs.Core.Desired;

namespace Ipvs.Engine;

/// <summary>What to plan against: the merged desired state, every problem the sources reported, and the sources not read yet.</summary>
/// <param name="State">The merged state, manual drains already taken out.</param>
/// <param name="Problems">Source errors and merge conflicts, in plain words.</param>
/// <param name="NotReady">Sources that have not delivered a first good snapshot: while any is listed, nothing owned is removed.</param>
internal sealed record DesiredInput(DesiredState State, IReadOnlyList<string> Problems, IReadOnlyList<string> NotReady)
{
    public bool IsComplete => NotReady.Count == 0;
}
