using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Desired;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Agent.Tests.Support;

/// <summary>A reconcile pass that only records when and why it ran; it fails while <see cref="FailuresLeft"/> is positive.</summary>
internal sealed class RecordingPass(TimeProvider time) : IReconcilePass
{
    private readonly List<(DateTimeOffset At, ReconcileReason Reasons, bool Full)> _runs = [];

    public int FailuresLeft { get; set; }

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

    public ReconcileReport Run(ReconcileReason reasons, bool readKernel)
    {
        lock (_runs)
        {
            _runs.Add((time.GetUtcNow(), reasons, readKernel));
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("kernel dump failed");
            }
        }

        var plan = new Plan([], [], OwnershipRecord.Empty);
        return new ReconcileReport(plan, ApplyOutcome.Nothing, readKernel, new DesiredInput(DesiredState.Empty, [], []));
    }
}
