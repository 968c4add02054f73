using Ipvs.Core.Desired;
using Ipvs.Core.Planning;

namespace Ipvs.Engine;

/// <summary>A pass applied whole with every source read: what the next pass between kernel reads may plan incrementally from.</summary>
internal sealed record CleanPass(DesiredState Desired, IReadOnlyList<PlanIssue> Issues);
