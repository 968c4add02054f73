using System.Diagnostics;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Engine.Tests.Support;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Engine.Tests;

public sealed class HealthMonitorTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly HealthCheck Check = HealthCheck.Of(HealthCheckKind.Tcp) with
    {
        Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromMilliseconds(500), Rise = 2, Fall = 2,
    };

    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedProbe _probe = new();
    private readonly TestLog _log = new();
    private readonly HealthMonitor _monitor;
    private int _changes;

    public HealthMonitorTests() =>
        _monitor = new HealthMonitor(_probe, new HealthMonitorOptions(4), _time, _log.Logger, () => Interlocked.Increment(ref _changes));

    private static DesiredState Desired(HealthCheck? check, params string[] servers) =>
        new DesiredStateMerger().Merge(1, [new ServiceDeclaration(DesiredSource.StaticFile("services.yaml", "web"), Service("10.99.0.10"),
            [.. servers.Select(server => Server(server))], "web", check)]).State;

    private static HealthTarget Target(string server) => new(Tcp("10.99.0.10"), Server(server).Key);

    /// <summary>Moves fake time by <paramref name="step"/> whenever a check loop waits on a timer, until <paramref name="done"/>.</summary>
    private async Task AdvanceUntil(Func<bool> done, TimeSpan step)
    {
        var elapsed = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(elapsed.Elapsed < Patience, $"not reached within {Patience.TotalSeconds} s of real time; {_probe.TotalChecks} checks so far");
            if (_time.ArmedTimers > 0)
            {
                _time.Advance(step);
            }

            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Track_ServerFailsFallTimes_GoesDownAndAsksForAPass()
    {
        _probe.Answer("10.1.1.2", passed: false);
        _monitor.Track(Desired(Check, "10.1.1.2", "10.1.1.3"));

        await AdvanceUntil(() => _monitor.HealthOf(Target("10.1.1.2")) is { Up: false }, TimeSpan.FromMilliseconds(100));

        ServerHealth down = _monitor.HealthOf(Target("10.1.1.2"))!;
        Assert.Equal((2, "connection refused"), (down.ConsecutiveFailures, down.Last!.Detail));
        Assert.Equal(1, Volatile.Read(ref _changes));
        Assert.True(_monitor.HealthOf(Target("10.1.1.3"))!.Up);
        Assert.Contains(_log.Messages(Serilog.Events.LogEventLevel.Warning), message => message.Contains("10.99.0.10:80 -> 10.1.1.2:8080 is down after 2 failed checks (connection refused)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Track_DownServerPassesRiseTimes_ComesBackUp()
    {
        _probe.Answer("10.1.1.2", passed: false);
        _monitor.Track(Desired(Check, "10.1.1.2"));
        await AdvanceUntil(() => _monitor.HealthOf(Target("10.1.1.2")) is { Up: false }, TimeSpan.FromMilliseconds(100));

        _probe.Answer("10.1.1.2", passed: true);
        await AdvanceUntil(() => _monitor.HealthOf(Target("10.1.1.2")) is { Up: true }, TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, _monitor.HealthOf(Target("10.1.1.2"))!.ConsecutivePasses);
        Assert.Equal(2, Volatile.Read(ref _changes));
    }

    [Fact]
    public async Task Track_StartDown_ServesOnlyAfterRisePasses()
    {
        _monitor.Track(Desired(Check with { StartsUp = false }, "10.1.1.2"));
        Assert.False(_monitor.HealthOf(Target("10.1.1.2"))!.Up);

        await AdvanceUntil(() => _monitor.HealthOf(Target("10.1.1.2")) is { Up: true }, TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, _probe.ChecksOf("10.1.1.2"));
    }

    [Fact]
    public async Task Track_ServerNoLongerDesired_StopsCheckingIt()
    {
        _monitor.Track(Desired(Check, "10.1.1.2", "10.1.1.3"));
        await AdvanceUntil(() => _probe.ChecksOf("10.1.1.2") >= 1, TimeSpan.FromMilliseconds(100));

        _monitor.Track(Desired(Check, "10.1.1.3"));
        int checksWhenDropped = _probe.ChecksOf("10.1.1.2");
        int before = _probe.ChecksOf("10.1.1.3");
        await AdvanceUntil(() => _probe.ChecksOf("10.1.1.3") >= before + 5, TimeSpan.FromMilliseconds(250));

        Assert.Null(_monitor.HealthOf(Target("10.1.1.2")));
        Assert.InRange(_probe.ChecksOf("10.1.1.2"), checksWhenDropped, checksWhenDropped + 1);
    }

    [Fact]
    public async Task Track_CheckRemovedFromTheDeclaration_StopsChecking()
    {
        _monitor.Track(Desired(Check, "10.1.1.2"));

        _monitor.Track(Desired(null, "10.1.1.2"));

        Assert.Null(_monitor.HealthOf(Target("10.1.1.2")));
        Assert.Empty(_monitor.Snapshot());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Track_ProbeNeverAnswers_FailsAtTheTimeout()
    {
        _probe.Answer("10.1.1.2", async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return new ProbeAnswer(true, "never");
        });
        _monitor.Track(Desired(Check, "10.1.1.2"));

        await AdvanceUntil(() => _monitor.HealthOf(Target("10.1.1.2")) is { Up: false }, TimeSpan.FromMilliseconds(100));

        Assert.Equal("no answer within 0.5 s", _monitor.HealthOf(Target("10.1.1.2"))!.Last!.Detail);
    }

    [Fact]
    public async Task Track_ManyServers_NeverMoreChecksAtOnceThanTheBound()
    {
        string[] servers = [.. Enumerable.Range(2, 40).Select(host => $"10.1.1.{host}")];
        foreach (string server in servers)
        {
            _probe.Answer(server, async _ =>
            {
                await Task.Delay(5, CancellationToken.None);
                return new ProbeAnswer(true, "connected");
            });
        }

        _monitor.Track(Desired(Check, servers));
        await AdvanceUntil(() => servers.All(server => _probe.ChecksOf(server) >= 1), TimeSpan.FromMilliseconds(100));

        Assert.InRange(_probe.MostInFlight, 1, 4);
    }

    [Fact]
    public void FirstCheckFraction_ManyTargets_SpreadOverTheInterval()
    {
        int[] tenths = new int[10];
        for (int host = 0; host < 2000; host++)
        {
            var target = new HealthTarget(Tcp("10.99.0.10"), new RealServerKey(NetAddress.Parse($"10.1.{host / 250}.{host % 250}"), 8080));
            double fraction = HealthMonitor.FirstCheckFraction(target);
            Assert.InRange(fraction, 0, 0.9999);
            Assert.Equal(fraction, HealthMonitor.FirstCheckFraction(target));
            tenths[(int)(fraction * 10)]++;
        }

        Assert.All(tenths, count => Assert.InRange(count, 100, 300));
    }

    public async ValueTask DisposeAsync() => await _monitor.DisposeAsync();
}
