using System.Collections.Concurrent;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Serilog;

namespace Ipvs.Engine;

/// <summary>
/// Runs the active health checks of every checked real server of the desired state and keeps each one's
/// <see cref="ServerHealth"/>; when a server goes up or down it calls <c>changed</c> (the daemon requests a pass, whose
/// <see cref="Core.Reconciling.HealthFilter"/> then gives it weight 0, removes it, or brings it back).
/// </summary>
/// <remarks>
/// Each target has its own loop: wait, take a slot (at most <see cref="HealthMonitorOptions.MaxConcurrentChecks"/>
/// checks run at once), check with the check's timeout, record. The first check of a target waits a fraction of its
/// interval drawn from the target's identity, so 10k servers declared at once are checked spread over one interval,
/// not in one tick, and keep that spread. The monitor never touches the kernel.
/// </remarks>
internal sealed class HealthMonitor : IServerHealthSource, IAsyncDisposable
{
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Action _changed;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<HealthTarget, Watch> _watches = new();
    private readonly Lock _trackLock = new();
    private DesiredState? _tracked;

    public HealthMonitor(IHealthProbe probe, HealthMonitorOptions options, TimeProvider time, ILogger log, Action changed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentChecks, 1);
        _probe = probe;
        _time = time;
        _log = log;
        _changed = changed;
        _slots = new SemaphoreSlim(options.MaxConcurrentChecks, options.MaxConcurrentChecks);
    }

    /// <summary>Raised after every check (for metrics and the state file), on the checking thread.</summary>
    public event Action<HealthTarget, HealthCheck, ServerHealth>? Checked;

    /// <summary>
    /// Starts checking the checked real servers of <paramref name="desired"/> that are new or checked otherwise than
    /// before, and stops checking the others. Cheap for the same state object as last time.
    /// </summary>
    public void Track(DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        lock (_trackLock)
        {
            if (ReferenceEquals(desired, _tracked) || _stopping.IsCancellationRequested)
            {
                return;
            }

            _tracked = desired;
            var wanted = new Dictionary<HealthTarget, HealthCheck>();
            foreach ((VirtualServiceKey key, DesiredService service) in desired.Services)
            {
                if (!service.HasChecks)
                {
                    continue;
                }

                foreach ((RealServerKey serverKey, DesiredRealServer server) in service.RealServers)
                {
                    if (server.Check is { } check)
                    {
                        wanted[new HealthTarget(key, serverKey)] = check;
                    }
                }
            }

            foreach ((HealthTarget target, Watch watch) in _watches)
            {
                if (!wanted.TryGetValue(target, out HealthCheck? want) || want != watch.Check)
                {
                    _watches.TryRemove(target, out _);
                    watch.StopWatching();
                }
            }

            foreach ((HealthTarget target, HealthCheck check) in wanted)
            {
                if (!_watches.ContainsKey(target))
                {
                    var watch = new Watch(target, check, ServerHealth.Unchecked(check, _time.GetUtcNow()), _stopping.Token);
                    _watches[target] = watch;
                    watch.Running = Task.Run(() => WatchAsync(watch));
                }
            }
        }
    }

    /// <summary>The health of <paramref name="target"/>, or null when it is not checked.</summary>
    public ServerHealth? HealthOf(HealthTarget target) => _watches.TryGetValue(target, out Watch? watch) ? watch.Health : null;

    /// <summary>Every checked target with its check and health, for <c>status</c> and metrics.</summary>
    public IReadOnlyList<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> Snapshot() =>
        [.. _watches.Values.Select(watch => (watch.Target, watch.Check, watch.Health))];

    /// <summary>The fraction of an interval the first check of <paramref name="target"/> waits: stable for a target, spread over targets.</summary>
    internal static double FirstCheckFraction(HealthTarget target)
    {
        // FNV-1a over the key text: string.GetHashCode is randomized per process, which would move the spread at each start.
        uint hash = 2166136261;
        foreach (char c in target.ToString())
        {
            hash = (hash ^ c) * 16777619;
        }

        return (hash % 10_000) / 10_000.0;
    }

    private async Task WatchAsync(Watch watch)
    {
        CancellationToken stop = watch.Stopping;
        try
        {
            await Task.Delay(watch.Check.Interval * FirstCheckFraction(watch.Target), _time, stop);
            while (true)
            {
                CheckResult result = await CheckOnceAsync(watch.Check, watch.Target.Server, stop);
                ServerHealth previous = watch.Health;
                ServerHealth next = previous.After(result, watch.Check);
                watch.Health = next;
                Checked?.Invoke(watch.Target, watch.Check, next);
                if (next.Up != previous.Up)
                {
                    if (next.Up)
                    {
                        _log.Information("Health: {Target} is up after {Passes} passed checks ({Detail})", watch.Target, next.ConsecutivePasses, result.Detail);
                    }
                    else
                    {
                        _log.Warning("Health: {Target} is down after {Failures} failed checks ({Detail})", watch.Target, next.ConsecutiveFailures, result.Detail);
                    }

                    _changed();
                }

                await Task.Delay(watch.Check.Interval, _time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // No longer checked.
        }
        catch (Exception exception)
        {
            // A bug in a probe must not end all checking silently: the target counts as down and says why.
            _log.Error(exception, "Health: checking {Target} stopped", watch.Target);
            watch.Health = watch.Health with { Up = false, Last = new CheckResult(false, $"checking stopped: {exception.Message}", TimeSpan.Zero, _time.GetUtcNow()) };
            _changed();
        }
    }

    private async Task<CheckResult> CheckOnceAsync(HealthCheck check, RealServerKey server, CancellationToken stop)
    {
        await _slots.WaitAsync(stop);
        long started = _time.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource(check.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
            ProbeAnswer answer;
            try
            {
                answer = await _probe.CheckAsync(check, server.Address, check.PortFor(server), linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                answer = new ProbeAnswer(false, $"no answer within {check.Timeout.TotalSeconds:0.###} s");
            }

            if (timeout.IsCancellationRequested && answer.Passed)
            {
                answer = new ProbeAnswer(false, $"no answer within {check.Timeout.TotalSeconds:0.###} s");
            }

            return new CheckResult(answer.Passed, answer.Detail, _time.GetElapsedTime(started), _time.GetUtcNow());
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_trackLock)
        {
            _stopping.Cancel();
            running = [.. _watches.Values.Select(watch => watch.Running)];
            _watches.Clear();
        }

        await Task.WhenAll(running);
        _stopping.Dispose();

        // _slots is not disposed: a check of a server untracked just before the stop may still release its slot, and a
        // SemaphoreSlim whose wait handle was never asked for holds nothing to free.
    }

    /// <summary>One checked target: its check, its latest health and the loop that checks it.</summary>
    private sealed class Watch(HealthTarget target, HealthCheck check, ServerHealth health, CancellationToken stopping)
    {
        public HealthTarget Target { get; } = target;

        public HealthCheck Check { get; } = check;

        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);

        public CancellationToken Stopping => _stop.Token;

        public ServerHealth Health
        {
            get => Volatile.Read(ref _health);
            set => Volatile.Write(ref _health, value);
        }

        private ServerHealth _health = health;

        public Task Running { get; set; } = Task.CompletedTask;

        /// <summary>Ends its loop; the token source goes once the loop has seen it.</summary>
        public void StopWatching()
        {
            _stop.Cancel();
            Running.ContinueWith(_ => _stop.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
