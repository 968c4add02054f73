namespace Ipvs.Core.Health;

/// <summary>
/// What the agent knows of one checked real server: up or down, since when, and the counts that move it (a server goes
/// down after <see cref="HealthCheck.Fall"/> failures in a row and comes up after <see cref="HealthCheck.Rise"/> passes).
/// </summary>
/// <param name="Up">Whether it serves.</param>
/// <param name="Since">When it last changed between up and down (or was first seen).</param>
/// <param name="ConsecutivePasses">Passes since the last failure.</param>
/// <param name="ConsecutiveFailures">Failures since the last pass.</param>
/// <param name="Last">The last check's result, or null before the first.</param>
public sealed record ServerHealth(bool Up, DateTimeOffset Since, int ConsecutivePasses, int ConsecutiveFailures, CheckResult? Last)
{
    /// <summary>A server not checked yet: up or down as <see cref="HealthCheck.StartsUp"/> says.</summary>
    public static ServerHealth Unchecked(HealthCheck check, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(check);
        return new(check.StartsUp, now, 0, 0, null);
    }

    /// <summary>The state after one more check.</summary>
    public ServerHealth After(CheckResult result, HealthCheck check)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(check);
        int passes = result.Passed ? ConsecutivePasses + 1 : 0;
        int failures = result.Passed ? 0 : ConsecutiveFailures + 1;
        bool up = Up ? failures < check.Fall : passes >= check.Rise;
        return new(up, up == Up ? Since : result.At, passes, failures, result);
    }

    /// <summary>Whether this state differs from <paramref name="previous"/> in what it asks of the kernel.</summary>
    public bool ChangedFrom(ServerHealth? previous) => previous is null || previous.Up != Up;
}
