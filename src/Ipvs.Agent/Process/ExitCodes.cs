
namespace Ipvs.Agent.Process;

/// <summary>The documented exit codes of every verb.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary><c>verify</c> found differences, or <c>plan --detailed-exitcode</c> has changes.</summary>
    public const int Differences = 1;

    /// <summary>
    /// Bad flags, bad config or a bad services file: nothing was changed. Also <c>plan</c>, <c>apply</c> and
    /// <c>verify</c> when a desired service is refused by the configuration (outside the allowed VIP blocks or marks) or,
    /// for <c>plan</c> and <c>apply</c>, collides with an entry the agent did not create.
    /// </summary>
    public const int UsageOrConfig = 2;

    /// <summary>The kernel or the system failed (no IPVS, no permission, ipvsadm missing, journal unreadable).</summary>
    public const int Runtime = 3;

    public const string Description = "Exit codes: 0 ok; 1 differences (verify) or changes (plan --detailed-exitcode); 2 usage or config error, or a desired service refused; 3 kernel or runtime error.";
}
