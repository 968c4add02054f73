using Ipvs.Core.Ownership;

namespace Ipvs.Core.Planning;

/// <summary>
/// What the planner decided: the ordered operations, what it refused and why, and the ownership record to journal
/// once the operations are applied.
/// </summary>
/// <remarks>
/// Operations come grouped by service in <see cref="Model.KeyOrder"/>; within a service: add or update the service, delete
/// real servers, update real servers, add real servers, delete the service.
/// </remarks>
public sealed record Plan(IReadOnlyList<IpvsOperation> Operations, IReadOnlyList<PlanIssue> Issues, OwnershipRecord NextOwnership)
{
    public bool IsEmpty => Operations.Count == 0;
}
