using System.Threading.Channels;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>Timing of the reconcile loop.</summary>
/// <param name="ResyncInterval">Full re-read of the kernel and drift repair at least this often.</param>
/// <param name="MinInterval">Never start two passes closer together than this: bursts of triggers merge.</param>
/// <param name="InitialBackoff">Wait before retrying a failed pass; doubles per consecutive failure.</param>
/// <param name="MaxBackoff">Longest wait between retries.</param>
internal sealed record ReconcileLoopOptions(TimeSpan ResyncInterval, TimeSpan MinInterval, TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    public static ReconcileLoopOptions For(TimeSpan resyncInterval, TimeSpan minInterval) =>
        new(resyncInterval, minInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30) < resyncInterval ? resyncInterval : TimeSpan.FromSeconds(30));
}

/// <summary>
/// The one loop that changes the kernel. Triggers (a source changed, the resync timer, a manual drain) go into a
/// capacity-one channel, so any burst becomes a single pass; passes are at least <see cref="ReconcileLoopOptions.MinInterval"/>
/// apart; a failed pass is retried with exponential backoff, always with a full kernel read.
/// </summary>
internal sealed class ReconcileLoop(IReconcilePass pass, ReconcileLoopOptions options, TimeProvider time, ILogger log)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _pending;
    private long _passes;
    private int _failures;

    /// <summary>Passes run so far, failed ones included.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>Raised after each pass (with its report, or null when it failed).</summary>
    public event Action<ReconcileReport?>? PassCompleted;

    public void Request(ReconcileReason reason)
    {
        Interlocked.Or(ref _pending, (int)reason);
        _signal.Writer.TryWrite(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset nextResync = time.GetUtcNow() + options.ResyncInterval;
        DateTimeOffset? retryAt = null;
        DateTimeOffset? lastStart = null;
        Request(ReconcileReason.Startup);
        try
        {
            while (true)
            {
                if (await WaitAsync(retryAt ?? nextResync, cancellationToken))
                {
                    Interlocked.Or(ref _pending, (int)(retryAt is null ? ReconcileReason.Resync : ReconcileReason.Retry));
                }

                if (lastStart is { } previous && previous + options.MinInterval - time.GetUtcNow() is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                // Whatever arrived while waiting joins this pass.
                _signal.Reader.TryRead(out _);
                var reasons = (ReconcileReason)Interlocked.Exchange(ref _pending, 0);
                if (reasons == ReconcileReason.None)
                {
                    continue;
                }

                bool full = (reasons & (ReconcileReason.Startup | ReconcileReason.Resync | ReconcileReason.Retry)) != 0;
                lastStart = time.GetUtcNow();
                ReconcileReport? report = null;
                try
                {
                    report = await Task.Run(() => pass.Run(reasons, full), cancellationToken);
                    Volatile.Write(ref _failures, 0);
                    retryAt = null;
                    if (full)
                    {
                        nextResync = time.GetUtcNow() + options.ResyncInterval;
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    int failures = Interlocked.Increment(ref _failures);
                    TimeSpan backoff = Backoff(failures);
                    retryAt = time.GetUtcNow() + backoff;
                    log.Error("Reconcile failed ({Failures} in a row), retrying in {Backoff}: {Error}", failures, backoff, exception.Message);
                }

                Interlocked.Increment(ref _passes);
                PassCompleted?.Invoke(report);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the kernel keeps its rules.
        }
    }

    internal TimeSpan Backoff(int failures)
    {
        double factor = Math.Pow(2, Math.Min(failures - 1, 30));
        TimeSpan backoff = TimeSpan.FromTicks((long)Math.Min(options.InitialBackoff.Ticks * factor, options.MaxBackoff.Ticks));
        return backoff;
    }

    /// <summary>Waits for a trigger or until <paramref name="due"/>; true when the time came first.</summary>
    private async Task<bool> WaitAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        if (_signal.Reader.TryRead(out _))
        {
            return false;
        }

        TimeSpan remaining = due - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return true;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<bool> signal = _signal.Reader.WaitToReadAsync(wait.Token).AsTask();
        Task timer = Task.Delay(remaining, time, wait.Token);
        Task first = await Task.WhenAny(signal, timer);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == signal)
        {
            _signal.Reader.TryRead(out _);
            return false;
        }

        return true;
    }
}
