using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Engine.Tests.Support;

/// <summary>
/// A reconcile pass that only records when and why it ran; it fails while <see cref="FailuresLeft"/> is positive, and
/// then reports a stale read while <see cref="StaleReadsLeft"/> is.
/// </summary>
internal sealed class RecordingPass(TimeProvider time) : IReconcilePass
{
    private readonly List<(DateTimeOffset At, ReconcileReason Reasons, bool Full)> _runs = [];
    private readonly List<TaskCompletionSource<KernelTable>> _reads = [];

    public int FailuresLeft { get; set; }

    public int StaleReadsLeft { get; set; }

    public IReadOnlyList<(DateTimeOffset At, ReconcileReason Reasons, bool Full)> Runs
    {
        get
        {
            lock (_runs)
            {
                return [.. _runs];
            }
        }
    }

    /// <summary>When set, reads begun by <see cref="StartRead"/> stay in flight until the test completes them.</summary>
    public bool HoldReads { get; set; }

    /// <summary>The reads <see cref="StartRead"/> began.</summary>
    public List<TaskCompletionSource<KernelTable>> Reads
    {
        get
        {
            lock (_runs)
            {
                return [.. _reads];
            }
        }
    }

    public KernelRead StartRead()
    {
        var read = new TaskCompletionSource<KernelTable>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_runs)
        {
            _reads.Add(read);
        }

        if (!HoldReads)
        {
            read.SetResult(KernelTable.Create([]));
        }

        return new KernelRead(read.Task);
    }

    public ReconcileReport Run(ReconcileReason reasons, PassTable table)
    {
        bool readKernel = table is not PassTable.LastProjection;
        bool stale;
        lock (_runs)
        {
            _runs.Add((time.GetUtcNow(), reasons, readKernel));
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("kernel dump failed");
            }

            stale = StaleReadsLeft > 0;
            StaleReadsLeft -= stale ? 1 : 0;
        }

        var plan = new Plan([], [], OwnershipRecord.Empty);
        return new ReconcileReport(plan, ApplyOutcome.Nothing, readKernel, new DesiredInput(DesiredState.Empty, [], []), stale);
    }
}
