using Ipvs.Core.Desired;
using Ipvs.Core.Model;

namespace Ipvs.Core.Planning;

public enum PlanIssueKind
{
    /// <summary>A desired service collides with one in the kernel that the agent does not own; it was left alone.</summary>
    ForeignCollision,
    /// <summary>A desired service lies outside the owned VIP blocks / firewall-mark ranges; it was not created.</summary>
    OutsideOwnedRange,
    /// <summary>An owned service fell outside the owned ranges (the configuration changed); it was left in the kernel and forgotten.</summary>
    Released,
    /// <summary>A desired service the agent owns is in the kernel in a form it cannot read; it was left alone.</summary>
    UnreadableInKernel,
}

/// <summary>Something the planner would not do, in plain words naming the service and the source that asked.</summary>
public sealed record PlanIssue(PlanIssueKind Kind, VirtualServiceKey Service, DesiredSource? Source, string Message)
{
    /// <summary>True when a desired service was not put in the kernel: the kernel cannot match the desired state.</summary>
    public bool LeavesDesiredUnserved => Kind is PlanIssueKind.ForeignCollision or PlanIssueKind.OutsideOwnedRange or PlanIssueKind.UnreadableInKernel;

    public override string ToString() => Message;
}
