using Ipvs.Agent.Health;
using Ipvs.Agent.Tests.Support;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Engine;
using Ipvs.Engine.Tests.Support;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Health;

/// <summary>The daemon's path without the kernel: the monitor checks through the real probe, and the assembler's health rule acts on what it found.</summary>
public sealed class HealthProbeMonitorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static HealthCheck FastCheck(HealthCheckKind kind) => HealthCheck.Of(kind) with
    {
        Interval = HealthCheckParser.MinimumInterval,
        Timeout = HealthCheckParser.MinimumInterval,
        Rise = 1,
        Fall = 1,
    };

    private readonly TestLog _log = new();

    private async Task<(DesiredRealServer Server, int Changes)> AssembleAfterAChange(LoopbackHttpServer backend, HealthCheck check, Func<DesiredRealServer, bool> done)
    {
        using var probe = new HealthProbe();
        int changes = 0;
        await using var monitor = new HealthMonitor(probe, HealthMonitorOptions.Default, TimeProvider.System, _log.Logger, () => Interlocked.Increment(ref changes));
        RealServer server = Server("127.0.0.1", backend.Port);
        var assembler = new DesiredStateAssembler([Source(Declare(Service("10.99.0.10"), server) with { Check = check })], null, health: monitor);

        DesiredRealServer assembled = assembler.Assemble().State.Services[Tcp("10.99.0.10")].RealServers[server.Key];
        for (DateTime deadline = DateTime.UtcNow + Patience; !done(assembled) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            assembled = assembler.Assemble().State.Services[Tcp("10.99.0.10")].RealServers[server.Key];
        }

        // The monitor records the new health before it asks for a pass: the request may trail what the assembler sees.
        for (DateTime deadline = DateTime.UtcNow + Patience; Volatile.Read(ref changes) == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return (assembled, Volatile.Read(ref changes));
    }

    [Fact]
    public async Task Assemble_HttpCheckFails_ServerGetsWeightZeroAndAPassIsRequested()
    {
        using var backend = LoopbackHttpServer.Answering(503);

        (DesiredRealServer server, int changes) = await AssembleAfterAChange(backend, FastCheck(HealthCheckKind.Http), server => server.Server.Weight == 0);

        Assert.Equal(0, server.Server.Weight);
        Assert.True(changes >= 1);
        Assert.Contains($"Health: TCP 10.99.0.10:80 -> 127.0.0.1:{backend.Port} is down after 1 failed checks (HTTP 503, expected 200-399)", _log.Messages(Serilog.Events.LogEventLevel.Information));
    }

    [Fact]
    public async Task Assemble_ServerThatStartsDownPassesItsTcpCheck_GetsItsWeight()
    {
        using var backend = LoopbackHttpServer.Silent();

        (DesiredRealServer server, int changes) = await AssembleAfterAChange(backend, FastCheck(HealthCheckKind.Tcp) with { StartsUp = false }, server => server.Server.Weight == 1);

        Assert.Equal(1, server.Server.Weight);
        Assert.True(changes >= 1);
        Assert.Contains($"Health: TCP 10.99.0.10:80 -> 127.0.0.1:{backend.Port} is up after 1 passed checks (connected)", _log.Messages(Serilog.Events.LogEventLevel.Information));
    }

    [Fact]
    public async Task Assemble_HttpCheckOfAPortThatNeverAnswers_TimesOutAndTheServerGoesDown()
    {
        using var backend = LoopbackHttpServer.Silent();

        (DesiredRealServer server, _) = await AssembleAfterAChange(backend, FastCheck(HealthCheckKind.Http), server => server.Server.Weight == 0);

        Assert.Equal(0, server.Server.Weight);
    }
}
