using Ipvs.Core.Ownership;

namespace Ipvs.Core.Reconciling;

/// <summary>What a pass's failures mean: the ownership to journal, and the failures sorted by how they are reported.</summary>
/// <param name="Next">The ownership record to journal.</param>
/// <param name="Errors">Refusals of the operation itself: each is an error.</param>
/// <param name="Stale">Refusals that only show the table the pass planned from was stale: one warning for all.</param>
/// <param name="Withheld">Operations not sent into a service that proved someone else's: one warning per service.</param>
public sealed record FailureSettlement(
    OwnershipRecord Next,
    IReadOnlyList<OperationFailure> Errors,
    IReadOnlyList<OperationFailure> Stale,
    IReadOnlyList<OperationFailure> Withheld)
{
    public bool StaleRead => Stale.Count > 0;
}
