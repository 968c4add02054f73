namespace Ipvs.Engine;

/// <summary>Limits of the health monitor.</summary>
/// <param name="MaxConcurrentChecks">Checks in flight at once, whatever the number of servers; the others wait their turn.</param>
internal sealed record HealthMonitorOptions(int MaxConcurrentChecks)
{
    public static readonly HealthMonitorOptions Default = new(64);
}
