using System.Threading.Channels;
using Ipvs.Core.Timing;
using Serilog;

namespace Ipvs.Engine;

/// <summary>
/// The one loop that changes the kernel. Triggers (a source changed, a manual drain, a reload) go into a capacity-one
/// channel, so any burst becomes a single pass; triggered passes are at least <see cref="ReconcileLoopOptions.MinInterval"/>
/// apart. The resync timer starts a full read of the kernel in the background; triggered passes keep running while it
/// reads (a container start must not wait behind a dump of the whole table), and the full pass plans and applies once
/// the read is in. A failed pass is retried with exponential backoff, always with a full kernel read. A pass that found
/// its table stale (<see cref="ReconcileReport.StaleRead"/>) is followed by a full pass at once; if that one finds its
/// table stale too, the next waits as after a failure, and so on, so a disagreement that persists is no busy loop.
/// </summary>
/// <remarks>
/// <c>collect</c>, when given, runs after each full pass that has no trigger waiting: a resync turns the previous kernel
/// table into garbage, and collecting it then, while idle, keeps collections off the event path (passes between
/// resyncs allocate far less than a gen0 budget, so none triggers one in the middle of a container start's pass).
/// </remarks>
internal sealed class ReconcileLoop(IReconcilePass pass, ReconcileLoopOptions options, TimeProvider time, ILogger log, Action? collect = null)
{
    private const ReconcileReason FullReasons = ReconcileReason.Startup | ReconcileReason.Resync | ReconcileReason.Retry | ReconcileReason.StaleRead;

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _pending;
    private long _requestedAt;
    private long _passes;
    private int _failures;
    private int _staleReads;

    /// <summary>Passes run so far, failed ones included.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>Passes in a row that found the table they planned from stale.</summary>
    public int ConsecutiveStaleReads => Volatile.Read(ref _staleReads);

    /// <summary>Raised after each pass (with its report, or null when it failed).</summary>
    public event Action<ReconcileReport?>? PassCompleted;

    public void Request(ReconcileReason reason)
    {
        Interlocked.CompareExchange(ref _requestedAt, time.GetTimestamp(), 0);
        Interlocked.Or(ref _pending, (int)reason);
        _signal.Writer.TryWrite(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset nextResync = time.GetUtcNow() + options.ResyncInterval;
        DateTimeOffset? retryAt = null;
        ReconcileReason retryReason = ReconcileReason.Retry;
        DateTimeOffset? lastTriggered = null;
        KernelRead? read = null;
        Request(ReconcileReason.Startup);
        try
        {
            while (true)
            {
                // While a resync's read runs, its end is awaited instead of the timer.
                if (!await WaitForTriggerAsync(read is null ? retryAt ?? nextResync : null, read?.Table, cancellationToken))
                {
                    // The time came: a retry, or the resync's read starts.
                    if (retryAt is null)
                    {
                        read = pass.StartRead();
                        continue;
                    }

                    Interlocked.Or(ref _pending, (int)retryReason);
                }

                ReconcileReason reasons;
                Func<ReconcileReport> run;
                if (read is { Table.IsCompleted: true } completed)
                {
                    // Whatever else is pending joins the full pass.
                    read = null;
                    _signal.Reader.TryRead(out _);
                    reasons = TakePending() | ReconcileReason.Resync;
                    run = () => pass.Run(reasons, PassTable.From(completed));
                }
                else
                {
                    if (lastTriggered is { } previous && previous + options.MinInterval - time.GetUtcNow() is { Ticks: > 0 } wait)
                    {
                        await Task.Delay(wait, time, cancellationToken);
                    }

                    // Whatever arrived while waiting joins this pass.
                    _signal.Reader.TryRead(out _);
                    reasons = TakePending();
                    if (reasons == ReconcileReason.None)
                    {
                        continue;
                    }

                    lastTriggered = time.GetUtcNow();
                    bool readKernel = (reasons & FullReasons) != 0;
                    run = () => pass.Run(reasons, PassTable.For(readKernel));
                }

                ReconcileReport? report = null;
                try
                {
                    report = await Task.Run(run, cancellationToken);
                    Volatile.Write(ref _failures, 0);
                    if (report.StaleRead)
                    {
                        retryAt = AfterStaleRead();
                        retryReason = ReconcileReason.StaleRead;
                    }
                    else
                    {
                        Volatile.Write(ref _staleReads, 0);
                        retryAt = null;
                    }

                    if (report.ReadKernel)
                    {
                        nextResync = time.GetUtcNow() + options.ResyncInterval;
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    int failures = Interlocked.Increment(ref _failures);
                    TimeSpan backoff = Backoff(failures);
                    retryAt = time.GetUtcNow() + backoff;
                    retryReason = ReconcileReason.Retry;
                    log.Error("Reconcile failed ({Failures} in a row), retrying in {Backoff}: {Error}", failures, backoff, exception.Message);
                }

                Interlocked.Increment(ref _passes);
                PassCompleted?.Invoke(report);
                if (report is { ReadKernel: true } && collect is not null && Volatile.Read(ref _pending) == 0)
                {
                    long started = time.GetTimestamp();
                    collect();
                    log.Debug("Collected garbage after the full pass in {CollectMs:0.0} ms", time.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the kernel keeps its rules; a read in flight is let finish before its socket is closed.
            if (read is not null)
            {
                await read.Table.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// When to read the kernel again after a stale read: at once the first time (something changed the table while it
    /// was read, which a second read is unlikely to meet again), then backing off as failures do, because a
    /// disagreement that outlives a fresh read is not cured by reading faster.
    /// </summary>
    private DateTimeOffset AfterStaleRead()
    {
        int staleReads = Interlocked.Increment(ref _staleReads);
        if (staleReads == 1)
        {
            return time.GetUtcNow();
        }

        TimeSpan backoff = Backoff(staleReads - 1);
        log.Debug("{StaleReads} stale reads in a row: reading the kernel again in {Backoff}", staleReads, backoff);
        return time.GetUtcNow() + backoff;
    }

    internal TimeSpan Backoff(int failures) => new ExponentialBackoff(options.InitialBackoff, options.MaxBackoff).After(failures);

    private ReconcileReason TakePending()
    {
        var reasons = (ReconcileReason)Interlocked.Exchange(ref _pending, 0);
        if (Interlocked.Exchange(ref _requestedAt, 0) is not 0 and long requested && reasons != ReconcileReason.None)
        {
            log.Debug("Pass for {Reasons} starts {QueuedMs:0.0} ms after the first request", reasons, time.GetElapsedTime(requested).TotalMilliseconds);
        }

        return reasons;
    }

    /// <summary>
    /// Waits for a trigger, for <paramref name="read"/> to end, or until <paramref name="due"/> (never when null).
    /// </summary>
    /// <returns>True when a trigger or the read's end came first; false when the time did.</returns>
    private async Task<bool> WaitForTriggerAsync(DateTimeOffset? due, Task? read, CancellationToken cancellationToken)
    {
        if (_signal.Reader.TryRead(out _) || read is { IsCompleted: true })
        {
            return true;
        }

        TimeSpan remaining = due is { } at ? at - time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (due is not null && remaining <= TimeSpan.Zero)
        {
            return false;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<bool> signal = _signal.Reader.WaitToReadAsync(wait.Token).AsTask();
        Task timer = Task.Delay(remaining, time, wait.Token);
        Task first = read is null ? await Task.WhenAny(signal, timer) : await Task.WhenAny(signal, timer, read);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == signal)
        {
            _signal.Reader.TryRead(out _);
        }

        return first != timer;
    }
}
