namespace Ipvs.Engine;

/// <summary>Where a pass's time went, for the debug log: the event-to-kernel latency is mostly one pass.</summary>
internal sealed class PassTiming(TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private readonly TimeSpan _gcPausesBefore = GC.GetTotalPauseDuration();
    private readonly TimeSpan _jitBefore = System.Runtime.JitInfo.GetCompilationTime();
    private long _lap = time.GetTimestamp();

    public TimeSpan Total => time.GetElapsedTime(_started);

    /// <summary>Stop-the-world collections during the pass so far.</summary>
    public TimeSpan GcPauses => GC.GetTotalPauseDuration() - _gcPausesBefore;

    /// <summary>Compilation on any thread during the pass so far (tier-up runs in the background, on the same CPU).</summary>
    public TimeSpan Jit => System.Runtime.JitInfo.GetCompilationTime() - _jitBefore;

    /// <summary>The time since the last lap (or the start), and a new lap begins.</summary>
    public TimeSpan Lap()
    {
        long now = time.GetTimestamp();
        TimeSpan lap = time.GetElapsedTime(_lap, now);
        _lap = now;
        return lap;
    }
}
