using System.Globalization;
using System.Text;
using Ipvs.Agent.Metrics;
using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Engine;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>
/// The agent's reconcile path in-process (the real <see cref="Reconciler"/>, <see cref="KernelGateway"/>, static file
/// source and ownership journal) owning 2000 services, on a resync read that a change of the table crossed between two
/// chunks of its service dump (through a tapped socket, from a second client).
/// </summary>
[Collection(GlobalIpvsTable.Name)]
public sealed class StaleReadLabTests(ITestOutputHelper output) : IDisposable
{
    // See DumpConsistencyLabTests: enough services for the dump to have chunks left when the tap's action runs.
    private const int Services = 2000;
    private const int Changes = 3;

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(60);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-stale-read-");
    private readonly CollectedLog _log = new();

    [Fact]
    public async Task Run_ResyncReadListsServicesTwice_PassSucceedsWithNothingToDo()
    {
        await using TappedNamespace lab = await TappedNamespace.CreateAsync("stale-repeat");
        (Reconciler reconciler, _) = await StartAgentAsync(lab);
        lab.AddServicesBehindNextDump(Changes);

        // Before the client dropped repeats, this read failed the pass: "Virtual service ... appears twice".
        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        VirtualServiceKey[] repeated = DumpTap.Repeats(lab.Tap.DumpedServices);
        Report($"stale-read repeat: the resync read's raw dump listed {string.Join(", ", repeated)} twice; the pass planned {resync.Plan.Operations.Count} operations, " +
            $"{resync.Outcome.Failures.Count} failed, stale read: {resync.StaleRead}");

        Assert.Equal(Changes, repeated.Length);
        Assert.Empty(resync.Plan.Operations);
        Assert.False(resync.StaleRead);
        Assert.Empty(_log.Messages(LogEventLevel.Error));
    }

    [Fact]
    public async Task Run_ResyncReadMissesOwnedServices_StaleReadThenTheNextPassReadsTheKernelAndRepairs()
    {
        await using TappedNamespace lab = await TappedNamespace.CreateAsync("stale-miss");
        (Reconciler reconciler, _) = await StartAgentAsync(lab);
        List<VirtualServiceKey> deleted = lab.DeleteServicesBehindNextDump(Changes);

        ReconcileReport stale = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        HashSet<VirtualServiceKey> missed = [.. lab.Other.ListServices().Select(entry => entry.Service.Key).Except(lab.Tap.DumpedServices)];
        bool projectionDropped = reconciler.LastTable is null;
        string[] warnings = [.. _log.Messages(LogEventLevel.Warning)];
        ReconcileReport next = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        HashSet<VirtualServiceKey> final = [.. lab.Other.ListServices().Select(entry => entry.Service.Key)];
        Report($"stale-read miss: deleted {string.Join(", ", deleted)} after datagram 1; the raw dump never listed the existing {string.Join(", ", missed)}; " +
            $"the pass: {stale.Outcome.Failures.Count} refused ({string.Join(", ", stale.Outcome.Failures.Select(failure => $"{ChangeText.ChangeName(failure.Operation.Kind)} {failure.Operation.ServiceKey}: {failure.Kind}"))}), stale read: {stale.StaleRead}, " +
            $"errors logged: {_log.Messages(LogEventLevel.Error).Count()}, warning: {string.Join(" | ", warnings)}; " +
            $"the next pass read the kernel: {next.ReadKernel}, recreated {next.Plan.Operations.Count(operation => operation.Kind == IpvsOperationKind.AddService)} services, {next.Outcome.Failures.Count} failed");

        Assert.Equal(Changes, missed.Count);
        Assert.True(stale.StaleRead);
        // The missed services were planned as missing; the deleted ones the read had listed, but their real-server dumps
        // came back empty (6.1 answers a real-server dump of a service that is gone with nothing, not ESRCH).
        Assert.Equal(
            missed.SelectMany(key => new[] { (IpvsOperationKind.AddService, key, KernelErrorKind.AlreadyExists), (IpvsOperationKind.AddServer, key, KernelErrorKind.AlreadyExists) })
                .Concat(deleted.Select(key => (IpvsOperationKind.AddServer, key, KernelErrorKind.NoSuchService)))
                .ToHashSet(),
            stale.Outcome.Failures.Select(failure => (failure.Operation.Kind, failure.Operation.ServiceKey, failure.Kind)).ToHashSet());
        Assert.Empty(_log.Messages(LogEventLevel.Error));
        Assert.Contains("dump is not atomic", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.All(missed, key => Assert.True(reconciler.Ownership.Owns(key)));
        Assert.True(projectionDropped);
        Assert.True(next.ReadKernel);
        Assert.False(next.StaleRead);
        Assert.Empty(next.Outcome.Failures);
        Assert.Equal(deleted.ToHashSet(), next.Plan.Operations.Where(operation => operation.Kind == IpvsOperationKind.AddService).Select(operation => operation.ServiceKey).ToHashSet());
        Assert.Equal(ServiceHash.Table(Services).Select(entry => entry.Service.Key).ToHashSet(), final);
    }

    [Fact]
    public async Task Run_ResyncReadMissesOwnedServicesNoLongerWanted_KeepsThemOwnedAndTheNextPassRemovesThem()
    {
        await using TappedNamespace lab = await TappedNamespace.CreateAsync("stale-forget");
        (Reconciler reconciler, StaticFileSource source) = await StartAgentAsync(lab);
        _scratch.Write("services.yaml", "services: []\n");
        Assert.True(source.Reload());
        lab.DeleteServicesBehindNextDump(Changes);

        // The pass removes every service the read listed; the ones it missed are what the kernel still has.
        ReconcileReport stale = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        HashSet<VirtualServiceKey> left = [.. lab.Other.ListServices().Select(entry => entry.Service.Key)];
        HashSet<VirtualServiceKey> listed = [.. lab.Tap.DumpedServices];
        bool leftOwned = left.All(reconciler.Ownership.Owns);
        string[] warnings = [.. _log.Messages(LogEventLevel.Warning)];
        ReconcileReport next = reconciler.Run(ReconcileReason.StaleRead, PassTable.Fresh);
        Report($"stale-read forget: the read missed {string.Join(", ", left)}, no longer wanted; after the pass still owned: {leftOwned}, stale read: {stale.StaleRead}, " +
            $"warnings: {string.Join(" | ", warnings)}; the next pass deleted {next.Plan.Operations.Count(operation => operation.Kind == IpvsOperationKind.DeleteService)} services, " +
            $"{lab.Other.ListServices().Count} left, {reconciler.Ownership.Services.Count} owned");

        Assert.Equal(Changes, left.Count);
        Assert.DoesNotContain(left, listed.Contains);
        Assert.True(leftOwned);
        Assert.True(stale.StaleRead);
        Assert.Contains(warnings, warning => warning.Contains("owned, no longer wanted and missing from the table", StringComparison.Ordinal));
        Assert.Empty(_log.Messages(LogEventLevel.Error));
        Assert.Equal(left, next.Plan.Operations.Where(operation => operation.Kind == IpvsOperationKind.DeleteService).Select(operation => operation.ServiceKey).ToHashSet());
        Assert.Empty(lab.Other.ListServices());
        Assert.Empty(reconciler.Ownership.Services);
    }

    public void Dispose() => _scratch.Dispose();

    /// <summary>
    /// The agent's reconciler on the tapped client (the namespace disposes it) and its services file's source, after a
    /// startup pass that created and owns the whole table, once the IPVS table holds still.
    /// </summary>
    private async Task<(Reconciler Reconciler, StaticFileSource Source)> StartAgentAsync(TappedNamespace lab)
    {
        var source = new StaticFileSource(_scratch.Write("services.yaml", Yaml(ServiceHash.Table(Services))), TimeProvider.System, _log.Logger);
        Assert.True(source.Reload());
        Directory.CreateDirectory(_scratch.StateDir);
        var policy = new OwnershipPolicy([AddressBlock.Parse("10.0.0.0/8")], []);
        var reconciler = new Reconciler(new KernelGateway(lab.Client), null, new OwnershipStore(_scratch.StateDir), new DesiredStateAssembler([source], null),
            new Planner(policy, DrainPolicy.Default), policy, TimeProvider.System, _log.Logger, new AgentMetrics());
        ReconcileReport startup = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        Assert.Empty(startup.Outcome.Failures);
        Assert.Equal(Services, reconciler.Ownership.Services.Count);
        await lab.Tap.WaitForQuietAsync(lab.Client, Services, Quiet);
        return (reconciler, source);
    }

    private static string Yaml(List<(VirtualService Service, RealServer Server)> table)
    {
        var yaml = new StringBuilder("services:\n");
        for (int index = 0; index < table.Count; index++)
        {
            (VirtualService service, RealServer server) = table[index];
            yaml.Append(CultureInfo.InvariantCulture,
                $"  - name: s{index}\n    vip: {service.Key.Address}\n    port: {service.Key.Port}\n    scheduler: {service.Scheduler}\n    servers:\n      - address: {server.Address}:{server.Port}\n");
        }

        return yaml.ToString();
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }

    /// <summary>Keeps every event the reconciler logs, rendered, to assert on its warnings and errors.</summary>
    private sealed class CollectedLog : ILogEventSink
    {
        private readonly List<(LogEventLevel Level, string Message)> _events = [];

        public CollectedLog() => Logger = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(this).CreateLogger();

        public ILogger Logger { get; }

        public void Emit(LogEvent logEvent)
        {
            lock (_events)
            {
                _events.Add((logEvent.Level, logEvent.RenderMessage(CultureInfo.InvariantCulture)));
            }
        }

        public IEnumerable<string> Messages(LogEventLevel level)
        {
            lock (_events)
            {
                return [.. _events.Where(entry => entry.Level == level).Select(entry => entry.Message)];
            }
        }
    }
}
