using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Engine.Tests.Support;

/// <summary>Counts what the engine reports, for assertions.</summary>
internal sealed class RecordingMetrics : IReconcileMetrics
{
    public Dictionary<string, int> Errors { get; } = [];

    public Dictionary<IpvsOperationKind, int> Operations { get; } = [];

    public int Successes { get; private set; }

    public int Conflicts { get; private set; }

    public KernelTable? Table { get; private set; }

    public void RecordSuccess(TimeSpan duration, DateTimeOffset at) => Successes++;

    public void RecordError(string kind) => Errors[kind] = Errors.GetValueOrDefault(kind) + 1;

    public void RecordOperation(IpvsOperationKind kind, bool drift) => Operations[kind] = Operations.GetValueOrDefault(kind) + 1;

    public void SetConflicts(int count) => Conflicts = count;

    public void SetKernelTable(KernelTable table, OwnershipRecord ownership) => Table = table;
}
