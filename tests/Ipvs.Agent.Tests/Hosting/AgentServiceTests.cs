using Ipvs.Agent.Configuration;
using Ipvs.Agent.Health;
using Ipvs.Agent.Hosting;
using Ipvs.Agent.Process;
using Ipvs.Engine.Tests.Support;
using Microsoft.Extensions.Hosting;
using Serilog.Core;
using Serilog.Events;

namespace Ipvs.Agent.Tests.Hosting;

public sealed class AgentServiceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("ipvs-agent-service-").FullName;
    private readonly TestLog _log = new();
    private readonly StoppingLifetime _lifetime = new();

    private AgentService.Settings Settings(TimeProvider time) => new(
        new AgentOptions { DockerEnabled = false, MetricsAddress = null, StateDir = _stateDir },
        () => new AgentOptions(),
        new LoggingLevelSwitch(),
        cleanup: false,
        new CliContext { OpenKernel = () => new FakeKernel(), OpenVips = _ => null, OpenSourceNat = _ => null, Time = time, Out = TextWriter.Null, Error = TextWriter.Null });

    /// <summary>A task of the daemon that fails without a stop request (here its clock) stops it with exit 3 and says why: systemd's Restart=on-failure then restarts it.</summary>
    [Fact]
    public async Task ExecuteAsync_TaskFailsWithoutStopRequest_StopsWithRuntimeExitCodeAndSaysWhy()
    {
        AgentService.Settings settings = Settings(new BrokenClock());
        using var service = new AgentService(settings, _log.Logger, _lifetime);

        await service.StartAsync(CancellationToken.None);
        Task stopped = service.ExecuteTask!;
        Task finished = await Task.WhenAny(stopped, Task.Delay(Patience, TestContext.Current.CancellationToken));

        Assert.True(finished == stopped, $"the daemon did not stop within {Patience.TotalSeconds} s of its failure");
        Assert.Equal(ExitCodes.Runtime, settings.ExitCode);
        Assert.True(_lifetime.StopRequested);
        Assert.Contains(_log.Messages(LogEventLevel.Fatal), message => message.StartsWith("Stopping: the ", StringComparison.Ordinal) && message.Contains("the clock is broken", StringComparison.Ordinal));
    }

    /// <summary>A stop request is the one way to stop with exit 0.</summary>
    [Fact]
    public async Task StopAsync_StopRequested_ExitsZero()
    {
        AgentService.Settings settings = Settings(TimeProvider.System);
        using var service = new AgentService(settings, _log.Logger, _lifetime);

        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, settings.ExitCode);
        Assert.Empty(_log.Messages(LogEventLevel.Fatal));
    }

    /// <summary>The health state file is saved on stop, even with nothing checked: status and verify then read this run's state, not an older one's.</summary>
    [Fact]
    public async Task StopAsync_StopRequested_SavesTheHealthStateFile()
    {
        AgentService.Settings settings = Settings(TimeProvider.System);
        using var service = new AgentService(settings, _log.Logger, _lifetime);

        await service.StartAsync(CancellationToken.None);
        // The host runs ExecuteAsync on its own thread: a stop before it starts would stop a daemon that never ran.
        for (DateTime deadline = DateTime.UtcNow + Patience; !Running() && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(Running(), $"the daemon did not start within {Patience.TotalSeconds} s");
        await service.StopAsync(CancellationToken.None);

        Assert.NotNull(HealthStateFile.Load(HealthStateFile.PathIn(_stateDir)));

        bool Running() => _log.Messages(LogEventLevel.Information).Any(message => message.StartsWith("ipvs-agent running", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    /// <summary>A clock whose timers cannot be made: every wait of the daemon fails.</summary>
    private sealed class BrokenClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            throw new InvalidOperationException("the clock is broken");
    }

    private sealed class StoppingLifetime : IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => StopRequested = true;
    }
}
