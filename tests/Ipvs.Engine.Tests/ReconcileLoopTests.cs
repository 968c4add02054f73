using Ipvs.Engine.Tests.Support;
using System.Diagnostics;

namespace Ipvs.Engine.Tests;

public sealed class ReconcileLoopTests : IAsyncDisposable
{
    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _stop = new();
    private readonly RecordingPass _pass;
    private Task? _running;

    public ReconcileLoopTests() => _pass = new RecordingPass(_time);

    private int _collections;

    private ReconcileLoop Start(TimeSpan resync, TimeSpan minInterval)
    {
        var loop = new ReconcileLoop(_pass, new ReconcileLoopOptions(resync, minInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), _time, new TestLog().Logger,
            () => Interlocked.Increment(ref _collections));
        _running = loop.RunAsync(_stop.Token);
        return loop;
    }

    /// <summary>How long, in real time, a slow machine may take to run the loop to the state a test awaits.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Moves fake time forward by <paramref name="step"/> whenever the loop waits on a timer (never while it runs a
    /// pass, so every gap it measures is exact however slow the machine), until <paramref name="done"/>.
    /// </summary>
    private async Task AdvanceUntil(Func<bool> done, TimeSpan step)
    {
        var elapsed = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(elapsed.Elapsed < Patience, $"the loop did not get there within {Patience.TotalSeconds} s of real time; it ran {_pass.Runs.Count} passes, {_time.ArmedTimers} timers armed");
            if (step > TimeSpan.Zero && _time.ArmedTimers > 0)
            {
                _time.Advance(step);
            }

            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the loop has finished its pass's bookkeeping and waits on a timer again.</summary>
    private Task UntilWaiting() => AdvanceUntil(() => _time.ArmedTimers > 0, TimeSpan.Zero);

    /// <summary>Moves fake time through <paramref name="span"/>, a step at a time, each step once the loop waits.</summary>
    private async Task Settle(TimeSpan span, TimeSpan step)
    {
        for (TimeSpan passed = TimeSpan.Zero; passed < span; passed += step)
        {
            await UntilWaiting();
            _time.Advance(step);
        }

        await UntilWaiting();
    }

    [Fact]
    public async Task RunAsync_Start_RunsOneFullPass()
    {
        Start(TimeSpan.FromHours(1), TimeSpan.Zero);

        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);

        (DateTimeOffset _, ReconcileReason reasons, bool full) = Assert.Single(_pass.Runs);
        Assert.Equal(ReconcileReason.Startup, reasons);
        Assert.True(full);
    }

    [Fact]
    public async Task Request_Burst_MergesIntoOnePassAfterTheMinimumInterval()
    {
        ReconcileLoop loop = Start(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);

        for (int i = 0; i < 20; i++)
        {
            loop.Request(ReconcileReason.SourceChanged);
        }

        loop.Request(ReconcileReason.Drain);
        await AdvanceUntil(() => _pass.Runs.Count == 2, TimeSpan.FromMilliseconds(100));
        await Settle(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250));

        Assert.Equal(2, _pass.Runs.Count);
        Assert.Equal(ReconcileReason.SourceChanged | ReconcileReason.Drain, _pass.Runs[1].Reasons);
        Assert.False(_pass.Runs[1].Full);
        Assert.True(_pass.Runs[1].At - _pass.Runs[0].At >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Request_SpacedTriggers_NeverCloserThanTheMinimumInterval()
    {
        ReconcileLoop loop = Start(TimeSpan.FromHours(1), TimeSpan.FromSeconds(2));
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);

        for (int i = 0; i < 4; i++)
        {
            loop.Request(ReconcileReason.SourceChanged);
            int expected = i + 2;
            await AdvanceUntil(() => _pass.Runs.Count == expected, TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(5, _pass.Runs.Count);
        Assert.All(_pass.Runs.Zip(_pass.Runs.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task RunAsync_ResyncIntervalPasses_RunsAFullResync()
    {
        Start(TimeSpan.FromSeconds(10), TimeSpan.Zero);
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);

        await AdvanceUntil(() => _pass.Runs.Count == 3, TimeSpan.FromSeconds(1));

        Assert.Equal(3, _pass.Runs.Count);
        Assert.All(_pass.Runs.Skip(1), run => Assert.Equal(ReconcileReason.Resync, run.Reasons));
        Assert.All(_pass.Runs.Skip(1), run => Assert.True(run.Full));
        Assert.True(_pass.Runs[2].At - _pass.Runs[1].At >= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Request_WhileAResyncReadsTheKernel_RunsAScopedPassWithoutWaitingForTheRead()
    {
        _pass.HoldReads = true;
        ReconcileLoop loop = Start(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);
        await AdvanceUntil(() => _pass.Reads.Count == 1, TimeSpan.FromSeconds(1));

        loop.Request(ReconcileReason.SourceChanged);
        await AdvanceUntil(() => _pass.Runs.Count == 2, TimeSpan.Zero);
        _pass.Reads[0].SetResult(Ipvs.Core.Kernel.KernelTable.Create([]));
        await AdvanceUntil(() => _pass.Runs.Count == 3, TimeSpan.Zero);

        Assert.Equal((ReconcileReason.SourceChanged, false), (_pass.Runs[1].Reasons, _pass.Runs[1].Full));
        Assert.Equal((ReconcileReason.Resync, true), (_pass.Runs[2].Reasons, _pass.Runs[2].Full));
        Assert.Equal(_pass.Runs[1].At, _pass.Runs[2].At);
    }

    [Fact]
    public async Task Request_RightAfterAResync_DoesNotWaitForTheMinimumInterval()
    {
        ReconcileLoop loop = Start(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);
        await AdvanceUntil(() => _pass.Runs.Count == 2, TimeSpan.FromSeconds(1));

        loop.Request(ReconcileReason.SourceChanged);
        await AdvanceUntil(() => _pass.Runs.Count == 3, TimeSpan.Zero);

        Assert.Equal(3, _pass.Runs.Count);
        Assert.Equal(ReconcileReason.Resync, _pass.Runs[1].Reasons);
        Assert.Equal((ReconcileReason.SourceChanged, false), (_pass.Runs[2].Reasons, _pass.Runs[2].Full));
        Assert.Equal(_pass.Runs[1].At, _pass.Runs[2].At);
    }

    [Fact]
    public async Task RunAsync_FullPassesOnly_CollectGarbageAfterwards()
    {
        ReconcileLoop loop = Start(TimeSpan.FromSeconds(10), TimeSpan.Zero);
        await AdvanceUntil(() => _pass.Runs.Count == 1, TimeSpan.Zero);
        loop.Request(ReconcileReason.SourceChanged);
        await AdvanceUntil(() => _pass.Runs.Count == 2, TimeSpan.Zero);
        int afterScopedPass = Volatile.Read(ref _collections);

        await AdvanceUntil(() => _pass.Runs.Count == 3, TimeSpan.FromSeconds(1));
        await UntilWaiting();

        Assert.Equal(1, afterScopedPass);
        Assert.Equal(2, Volatile.Read(ref _collections));
    }

    [Fact]
    public async Task RunAsync_PassFails_RetriesWithDoublingBackoffThenRecovers()
    {
        _pass.FailuresLeft = 3;
        ReconcileLoop loop = Start(TimeSpan.FromHours(1), TimeSpan.Zero);

        await AdvanceUntil(() => _pass.Runs.Count == 4, TimeSpan.FromMilliseconds(250));
        await UntilWaiting();

        var runs = _pass.Runs;
        Assert.Equal(4, runs.Count);
        TimeSpan[] gaps = [.. runs.Zip(runs.Skip(1), (first, second) => second.At - first.At)];
        Assert.InRange(gaps[0], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
        Assert.InRange(gaps[1], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5));
        Assert.InRange(gaps[2], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4.5));
        Assert.All(runs.Skip(1), run => Assert.Equal(ReconcileReason.Retry, run.Reasons));
        Assert.Equal(0, loop.ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_PassFoundItsTableStale_RunsAFullPassAtOnce()
    {
        _pass.StaleReadsLeft = 1;
        ReconcileLoop loop = Start(TimeSpan.FromHours(1), TimeSpan.Zero);

        await AdvanceUntil(() => _pass.Runs.Count == 2, TimeSpan.Zero);
        await Settle(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));

        var runs = _pass.Runs;
        Assert.Equal(2, runs.Count);
        Assert.Equal((ReconcileReason.StaleRead, true), (runs[1].Reasons, runs[1].Full));
        Assert.Equal(runs[0].At, runs[1].At);
        Assert.Equal(0, loop.ConsecutiveStaleReads);
        Assert.Equal(0, loop.ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_StaleReadsPersist_BacksOffLikeFailuresThenRecovers()
    {
        _pass.StaleReadsLeft = 4;
        ReconcileLoop loop = Start(TimeSpan.FromHours(1), TimeSpan.Zero);

        await AdvanceUntil(() => _pass.Runs.Count == 5, TimeSpan.FromMilliseconds(250));
        await Settle(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(500));

        var runs = _pass.Runs;
        Assert.Equal(5, runs.Count);
        TimeSpan[] gaps = [.. runs.Zip(runs.Skip(1), (first, second) => second.At - first.At)];
        Assert.InRange(gaps[0], TimeSpan.Zero, TimeSpan.FromSeconds(0.5));
        Assert.InRange(gaps[1], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
        Assert.InRange(gaps[2], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5));
        Assert.InRange(gaps[3], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4.5));
        Assert.All(runs.Skip(1), run => Assert.Equal((ReconcileReason.StaleRead, true), (run.Reasons, run.Full)));
        Assert.Equal(0, loop.ConsecutiveStaleReads);
    }

    [Fact]
    public void Backoff_ManyFailures_IsCappedAtTheMaximum()
    {
        var loop = new ReconcileLoop(_pass, new ReconcileLoopOptions(TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), _time, new TestLog().Logger);

        Assert.Equal(TimeSpan.FromSeconds(1), loop.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(8), loop.Backoff(4));
        Assert.Equal(TimeSpan.FromSeconds(30), loop.Backoff(40));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }

        _stop.Dispose();
    }
}
