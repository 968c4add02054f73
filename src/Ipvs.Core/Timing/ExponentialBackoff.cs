namespace Ipvs.Core.Timing;

/// <summary>
/// The wait before the next attempt after a run of failures: <see cref="Initial"/> after the first, doubling per
/// further failure, never more than <see cref="Max"/>. One rule for every retry loop (Docker reconnects, reconcile
/// passes), so they back off alike.
/// </summary>
public readonly record struct ExponentialBackoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>Doublings beyond this would overflow the ticks long before they mattered.</summary>
    private const int MaxDoublings = 30;

    /// <summary>The wait after <paramref name="failures"/> failures in a row (1 or more; less counts as 1).</summary>
    public TimeSpan After(int failures)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, MaxDoublings));
        return TimeSpan.FromTicks((long)Math.Min(Initial.Ticks * factor, Max.Ticks));
    }
}
