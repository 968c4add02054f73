using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Engine;

/// <summary>What one pass did.</summary>
/// <param name="Plan">What it planned.</param>
/// <param name="Outcome">What the kernel made of the plan (<see cref="ApplyOutcome.Nothing"/> for a preview).</param>
/// <param name="ReadKernel">Whether it read the kernel (a full pass) rather than the last table's projection.</param>
/// <param name="Desired">The desired state it planned for.</param>
/// <param name="StaleRead">The kernel refused operations in a way that shows the table the pass planned from was wrong
/// (see <see cref="ReconcileRules"/>): the next pass reads the kernel, and should come soon.</param>
internal sealed record ReconcileReport(Plan Plan, ApplyOutcome Outcome, bool ReadKernel, DesiredInput Desired, bool StaleRead = false);
