using Ipvs.Core.Health;

namespace Ipvs.Agent.Health;

/// <summary>The daemon's health checks as it last saved them (<c>health.json</c>): what <c>status</c> and <c>verify</c> read.</summary>
/// <param name="WrittenAt">When the daemon wrote the file.</param>
/// <param name="Targets">Each checked real server of each service.</param>
internal sealed record HealthState(DateTimeOffset WrittenAt, IReadOnlyDictionary<HealthTarget, HealthStateEntry> Targets)
{
    /// <summary>How many of the longest interval may pass before the file no longer tells the present: the daemon rewrites it after every check.</summary>
    public const int StaleAfterIntervals = 3;

    public TimeSpan LongestInterval => Targets.Count == 0 ? TimeSpan.Zero : Targets.Values.Max(entry => entry.Interval);

    /// <summary>True when no check has been saved for longer than it should take (the daemon is stopped or stuck).</summary>
    public bool IsStale(DateTimeOffset now) => Targets.Count > 0 && now - WrittenAt > LongestInterval * StaleAfterIntervals;
}
