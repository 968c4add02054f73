namespace Ipvs.Engine;

/// <summary>Where an error happened: the <c>kind</c> of <see cref="IReconcileMetrics.RecordError"/>, spelled once.</summary>
public static class ErrorKinds
{
    /// <summary>A pass that failed as a whole (the kernel read, the journal).</summary>
    public const string Reconcile = "reconcile";

    /// <summary>An IPVS operation the kernel refused.</summary>
    public const string Operation = "operation";

    /// <summary>A VIP the agent could not put on or take off its interface.</summary>
    public const string Vip = "vip";

    /// <summary>Source NAT the agent could not keep (iptables).</summary>
    public const string SourceNat = "source_nat";

    /// <summary>Every kind, in the order the metrics list them.</summary>
    public static readonly IReadOnlyList<string> All = [Reconcile, Operation, Vip, SourceNat];
}
