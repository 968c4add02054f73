using System.Runtime.InteropServices;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Health;
using Ipvs.Agent.Metrics;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.ServiceNames;
using Ipvs.Core.Draining;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Ipvs.Core.Timing;
using Ipvs.Docker;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Engine;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Core;

namespace Ipvs.Agent.Hosting;

/// <summary>
/// The daemon: sources (static file, Docker) feed the reconcile loop, which keeps the kernel and the VIPs in line;
/// checked real servers are health-checked, and one going up or down requests a pass (its state is saved to
/// <c>health.json</c> for status and verify); metrics are served; SIGHUP reloads the config's log level and the
/// services file; on stop the rules stay unless <c>--cleanup</c> was given, which removes only what the agent owns.
/// </summary>
internal sealed class AgentService(AgentService.Settings settings, ILogger log, IHostApplicationLifetime lifetime) : BackgroundService
{
    private Reconciler? _reconciler;
    private IKernelGateway? _kernel;
    private IKernelGateway? _reader;
    private StateLock? _stateLock;

    internal sealed class Settings(AgentOptions options, Func<AgentOptions> reload, LoggingLevelSwitch level, bool cleanup, CliContext context)
    {
        public AgentOptions Options => options;

        public Func<AgentOptions> Reload => reload;

        public LoggingLevelSwitch Level => level;

        public bool Cleanup => cleanup;

        public CliContext Context => context;

        public int ExitCode { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentOptions options = settings.Options;
        TimeProvider time = settings.Context.Time;
        var metrics = new AgentMetrics();
        var sources = new List<IDesiredSource>();
        StaticFileSource? staticFile = null;
        DockerEngineApi? dockerApi = null;

        // The monitor is made before the loop it asks for passes (the assembler, which the loop's reconciler holds,
        // needs the monitor): its callback reaches the loop through this variable, set once the loop exists. A server
        // that changes before then is seen by the first pass anyway.
        ReconcileLoop? healthLoop = null;
        using var probe = new HealthProbe();
        await using var health = new HealthMonitor(probe, new HealthMonitorOptions(options.HealthCheckConcurrency), time, log, () => healthLoop?.Request(ReconcileReason.Health));
        var healthFile = new HealthStateWriter(HealthStateFile.PathIn(options.StateDir), health.Snapshot, time, log);
        health.Checked += (_, _, _) => healthFile.MarkChanged();
        metrics.HealthTargets = health.Snapshot;
        try
        {
            _stateLock = StateLock.Acquire(options.StateDir);
            _kernel = KernelConnection.Open(settings.Context.OpenKernel);

            // Resyncs read the whole table on a second socket while event-driven passes keep applying on the first.
            _reader = KernelConnection.Open(settings.Context.OpenKernel);
            if (_kernel is KernelGateway gateway)
            {
                SystemTuning.Apply(gateway.Client.Features.KernelVersion, log);
                IpvsTimeoutTuning.Apply(gateway.Client, options.IpvsTimeouts, log);
                gateway.FlowCleanup = new UdpFlowCleanup(Netlink.Client.ConntrackClient.Open, log);
                log.Information("IPVS {Version} on kernel {Kernel}", gateway.Client.Features.Info.VersionText, gateway.Client.Features.KernelRelease);
            }

            if (options.ServicesFile is { } file)
            {
                staticFile = new StaticFileSource(file, time, log);
                sources.Add(staticFile);
            }

            if (options.DockerEnabled)
            {
                dockerApi = new DockerEngineApi(options.DockerConnection, options.SwarmManagerConnection);
                foreach (DockerConnection insecure in new[] { options.DockerConnection, options.SwarmManagerConnection }.OfType<DockerConnection>().Where(c => c.IsInsecureTcp))
                {
                    log.Warning("Docker endpoint {Endpoint} is TCP without TLS ({Key}: true): anyone who reaches it has root on that host", insecure.Endpoint, ConfigurationKeys.DockerAllowInsecureTcp);
                }

                var docker = new DockerDesiredSource(new DockerSource(dockerApi, new DiscoveryOptions(options.OwnershipPolicy, options.NodeAddress), DockerSourceOptions.Default, time), log);
                metrics.DockerConnected = () => docker.Connection.Status == DockerConnectionStatus.Connected ? 1 : 0;
                sources.Add(docker);
                log.Information("Docker source: {Endpoint}", dockerApi.Connection);
            }

            if (sources.Count == 0)
            {
                log.Warning("No sources: give --services FILE or enable Docker; only owned entries will be kept (and removed as undesired)");
            }

            var assembler = new DesiredStateAssembler(sources, new ManualDrainStore(options.StateDir), ServiceNameDns.NameCheck(options), health);
            _reconciler = new Reconciler(_kernel, settings.Context.OpenVips(options.Interface), new OwnershipStore(options.StateDir), assembler,
                new Planner(options.OwnershipPolicy, new DrainPolicy(options.DrainTimeout)), options.OwnershipPolicy, time, log, metrics, _reader,
                settings.Context.OpenSourceNat(options));
        }
        catch (Exception exception) when (exception is CommandFailedException or IOException or FormatException or UnauthorizedAccessException or ArgumentException or Netlink.NetlinkException)
        {
            log.Fatal("Cannot start: {Error}", exception.Message);
            Fail(exception is CommandFailedException failure ? failure.ExitCode : exception is ArgumentException ? ExitCodes.UsageOrConfig : ExitCodes.Runtime);
            dockerApi?.Dispose();
            return;
        }
        catch (Exception exception)
        {
            log.Fatal(exception, "Cannot start: unexpected {Type}: {Error}", exception.GetType().Name, exception.Message);
            Fail(ExitCodes.Runtime);
            dockerApi?.Dispose();
            return;
        }

        // After each full pass, off the event path: the first pass's parse and load, or the table a resync replaced
        // (it lived through the read into gen2), collected at once rather than at some later event's allocation.
        var loop = new ReconcileLoop(_reconciler, ReconcileLoopOptions.For(options.ResyncInterval, options.MinInterval), time, log, () =>
        {
            (bool gaveBack, long live) = CollectionAfterFullPass.Run();
            log.Debug("Collection after the full pass: {Live} MB live after the last full one: {Outcome}", live >> 20, gaveBack ? "memory given back" : "pages kept");
        });
        healthLoop = loop;

        // A pass may start or stop checking servers (the monitor tracks each merged state): the file follows at its next save.
        loop.PassCompleted += _ => healthFile.MarkChanged();
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true;
            Reload(staticFile, loop);
        });

        using MetricsServer? server = StartMetrics(options, metrics);
        using ServiceNameDns? names = options.DnsAddress is null ? null : new ServiceNameDns(options, metrics, log);
        if (names is not null && names.Start())
        {
            Reconciler reconciler = _reconciler;
            loop.PassCompleted += report => names.Update(report, reconciler);
        }

        log.Information("ipvs-agent running: {Sources}, resync every {Resync}, VIPs on {Interface}, state in {StateDir}",
            sources.Count == 0 ? "no sources" : string.Join(", ", sources.Select(source => source.Name)), DurationText.Format(options.ResyncInterval), options.Interface, options.StateDir);
        var tasks = new List<Task> { loop.RunAsync(stoppingToken), WatchDrainsAsync(options.StateDir, loop, time, stoppingToken), healthFile.RunAsync(stoppingToken) };
        tasks.AddRange(sources.Select(source => source.RunAsync(() => loop.Request(ReconcileReason.SourceChanged), stoppingToken)));
        if (server is not null)
        {
            tasks.Add(server.RunAsync(stoppingToken));
        }

        if (names is not null)
        {
            tasks.Add(names.RunAsync(stoppingToken));
        }

        try
        {
            // Every task runs until the stop request: one that ends before it, failed or not, stops the daemon with a
            // non-zero exit, so that systemd's Restart=on-failure starts it again.
            Task first = await Task.WhenAny(tasks);
            if (!stoppingToken.IsCancellationRequested)
            {
                if (first.Exception?.GetBaseException() is { } error)
                {
                    log.Fatal(error, "Stopping: {Task} failed: {Type}: {Error}", TaskName(tasks.IndexOf(first), sources), error.GetType().Name, error.Message);
                }
                else
                {
                    log.Fatal("Stopping: {Task} ended without a stop request", TaskName(tasks.IndexOf(first), sources));
                }

                Fail(ExitCodes.Runtime);
            }

            await Task.WhenAll(tasks.Select(task => task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));
            foreach (Task failed in tasks.Where(task => task.IsFaulted && task != first))
            {
                log.Error(failed.Exception!.GetBaseException(), "While stopping, {Task} failed: {Error}", TaskName(tasks.IndexOf(failed), sources), failed.Exception.GetBaseException().Message);
                Fail(ExitCodes.Runtime);
            }
        }
        finally
        {
            dockerApi?.Dispose();
        }
    }

    /// <summary>Records a failure exit code (the first one wins) and stops the host.</summary>
    private void Fail(int exitCode)
    {
        if (settings.ExitCode == ExitCodes.Ok)
        {
            settings.ExitCode = exitCode;
        }

        lifetime.StopApplication();
    }

    private static string TaskName(int index, List<IDesiredSource> sources) => index switch
    {
        0 => "the reconcile loop",
        1 => "the drains-file watch",
        2 => "the health state file",
        _ when index - 3 < sources.Count => $"the source {sources[index - 3].Name}",
        _ => "the metrics endpoint",
    };

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            if (settings.Cleanup && _reconciler is not null)
            {
                ApplyOutcome outcome = _reconciler.RemoveOwned();
                log.Information("Stopped with --cleanup: removed {Count} owned services ({Failures} failed); foreign entries untouched", outcome.Count - outcome.Failures.Count, outcome.Failures.Count);
            }
            else if (_reconciler is not null)
            {
                log.Information("Stopped; {Count} owned services left in the kernel as they are", _reconciler.Ownership.Services.Count);
            }
        }
        catch (Exception exception) when (exception is Netlink.NetlinkException or IOException)
        {
            log.Error("Cleanup failed: {Error}", exception.Message);
            settings.ExitCode = ExitCodes.Runtime;
        }
        finally
        {
            _reader?.Dispose();
            _kernel?.Dispose();
            _stateLock?.Dispose();
        }
    }

    private MetricsServer? StartMetrics(AgentOptions options, AgentMetrics metrics)
    {
        if (options.MetricsAddress is not { } address)
        {
            return null;
        }

        var server = new MetricsServer(address, metrics, log);
        try
        {
            server.Start();
            return server;
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or FormatException or ArgumentException or InvalidOperationException)
        {
            log.Error("Metrics endpoint {Address} could not be opened: {Error}; running without metrics", address, exception.Message);
            server.Dispose();
            return null;
        }
    }

    private void Reload(StaticFileSource? staticFile, ReconcileLoop loop)
    {
        log.Information("SIGHUP: reloading configuration and services file");
        try
        {
            AgentOptions reloaded = settings.Reload();
            settings.Level.MinimumLevel = reloaded.LogLevel;
            if (settings.Options.NeedsRestartToApply(reloaded))
            {
                log.Warning("Configuration changes other than logLevel take effect at the next restart");
            }
        }
        catch (ConfigurationException exception)
        {
            log.Error("Reloaded configuration rejected, keeping the running one: {Problems}", string.Join("; ", exception.Problems));
        }

        staticFile?.Reload();
        loop.Request(ReconcileReason.Reload);
    }

    /// <summary>Manual drains are recorded by another process (<c>ipvs-agent drain</c>): a change of the drains file triggers a pass.</summary>
    private static Task WatchDrainsAsync(string stateDir, ReconcileLoop loop, TimeProvider time, CancellationToken cancellationToken) =>
        new FileChangePoller(Path.Combine(stateDir, ManualDrainStore.FileName), TimeSpan.FromSeconds(1), time)
            .RunAsync(() => loop.Request(ReconcileReason.Drain), cancellationToken);
}
