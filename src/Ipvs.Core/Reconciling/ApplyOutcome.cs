namespace Ipvs.Core.Reconciling;

/// <summary>The outcome of applying a plan: not atomic, every rejected operation is listed and all others took effect.</summary>
/// <param name="Count">Operations handled (sent or withheld).</param>
/// <param name="Failures">The rejected and withheld ones, in plan order per batch.</param>
/// <param name="Datagrams">Netlink datagrams sent; 0 when nothing was sent.</param>
public sealed record ApplyOutcome(int Count, IReadOnlyList<OperationFailure> Failures, int Datagrams)
{
    public static readonly ApplyOutcome Nothing = new(0, [], 0);
}
