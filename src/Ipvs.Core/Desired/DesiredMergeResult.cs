namespace Ipvs.Core.Desired;

/// <summary>The merged desired state and every disagreement found while merging.</summary>
public sealed record DesiredMergeResult(DesiredState State, IReadOnlyList<DeclarationConflict> Conflicts);
