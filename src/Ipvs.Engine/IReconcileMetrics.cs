using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Engine;

/// <summary>What the engine counts, for whatever exposes it (the agent's Prometheus endpoint).</summary>
internal interface IReconcileMetrics
{
    void RecordSuccess(TimeSpan duration, DateTimeOffset at);

    /// <summary>Counts an error by where it happened, one of <see cref="ErrorKinds"/>.</summary>
    void RecordError(string kind);

    /// <param name="kind">The operation applied.</param>
    /// <param name="drift">Whether a resync applied it, i.e. it repaired a difference nobody asked to make.</param>
    void RecordOperation(IpvsOperationKind kind, bool drift);

    void SetConflicts(int count);

    /// <summary>The table a full pass read, with the ownership it was read under.</summary>
    void SetKernelTable(KernelTable table, OwnershipRecord ownership);
}
