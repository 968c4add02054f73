namespace Ipvs.Engine;

/// <summary>Timing of the reconcile loop.</summary>
/// <param name="ResyncInterval">Full re-read of the kernel and drift repair at least this often.</param>
/// <param name="MinInterval">Never start two triggered passes closer together than this: bursts of triggers merge. The
/// timer's full resyncs are not triggers: they neither wait for it nor make the next trigger wait.</param>
/// <param name="InitialBackoff">Wait before retrying a failed pass; doubles per consecutive failure.</param>
/// <param name="MaxBackoff">Longest wait between retries.</param>
internal sealed record ReconcileLoopOptions(TimeSpan ResyncInterval, TimeSpan MinInterval, TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    public static ReconcileLoopOptions For(TimeSpan resyncInterval, TimeSpan minInterval) =>
        new(resyncInterval, minInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30) < resyncInterval ? resyncInterval : TimeSpan.FromSeconds(30));
}
