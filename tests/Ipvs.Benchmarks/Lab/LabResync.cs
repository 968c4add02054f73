using System.Diagnostics;
using System.Globalization;
using Ipvs.Agent.Metrics;
using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Engine;
using Ipvs.Netlink.Client;

namespace Ipvs.Benchmarks.Lab;

/// <summary>
/// <c>lab-load --mode resync</c>: the agent's own reconcile path (the real <see cref="Reconciler"/> and
/// <see cref="KernelGateway"/> on the lab kernel) owning one table of N services x D real servers, in one fresh namespace.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>A startup pass loads the table from empty through the planner and the batched apply (<c>mode=reconcile-load</c>).</item>
/// <item>K rounds, interleaved so host noise hits both sides alike: the C reference's raw dump of the same namespace
/// (<c>impl=c mode=resync-dump</c>, only with <c>--c-ref</c>), the C# client's raw <see cref="IpvsClient.ListAll"/>
/// (<c>mode=resync-listall</c>), the gateway's <see cref="KernelGateway.ReadTable"/> (dump + <c>KernelTable</c>,
/// <c>mode=resync-read</c>), and a no-change full resync pass (dump + merge + plan + empty apply, <c>mode=resync</c>).</item>
/// <item>One-server changes between full resyncs (weight change, add, remove; <c>mode=change-*</c>), each with the
/// netlink requests, datagrams and syscalls the pass made and whether it read the kernel: O(1) means 1, 1, 2, no.</item>
/// </list>
/// Every timed section starts after a full GC, so one round does not pay for the garbage of the one before; its
/// lines carry the bytes it allocated and the gen0 collections it caused (fresh memory is costly in the lab's kernel).
/// </remarks>
internal static class LabResync
{
    private static readonly DesiredSource _source = DesiredSource.StaticFile("lab-load", "bench");

    public static int Run(int services, int servers, int runs, bool warmUp, string? cReference)
    {
        LabLoad.InFreshNamespace("resync", NetlinkChannel.DefaultBatchBytes, (client, name) =>
        {
            var table = LabLoad.Table(services, servers);
            var declarations = table.ConvertAll(entry => new ServiceDeclaration(_source, entry.Service, entry.Servers));
            var source = new TableSource(new SourceSnapshot(declarations, []));
            var policy = new OwnershipPolicy([AddressBlock.Parse("10.0.0.0/8")], []);
            var gateway = new KernelGateway(client);
            var reconciler = new Reconciler(
                gateway,
                null,
                new MemoryOwnershipStore(),
                new DesiredStateAssembler([source], null),
                new Planner(policy, DrainPolicy.Default),
                policy,
                TimeProvider.System,
                Serilog.Core.Logger.None,
                new AgentMetrics());
            string size = string.Create(CultureInfo.InvariantCulture, $"services={services} servers={servers}");

            var (load, loadSeconds, _, _, _) = Timed(client, () => reconciler.Run(ReconcileReason.Startup, PassTable.Fresh));
            Require(load.Outcome.Failures.Count == 0, $"the startup pass failed {load.Outcome.Failures.Count} operations");
            Console.WriteLine(Line($"bench mode=reconcile-load {size} seconds={loadSeconds:0.000000} ops={load.Plan.Operations.Count} datagrams={load.Outcome.Datagrams}"));
            if (warmUp)
            {
                _ = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
            }

            for (int round = 0; round < runs; round++)
            {
                Console.WriteLine(cReference is null
                    ? $"bench-skip impl=c mode=resync-dump {size} reason=no --c-ref given"
                    : ReferenceDump(cReference, name, services, servers));

                var (listed, listSeconds, listSyscalls, listAllocated, listCollections) = Timed(client, () => client.ListAll());
                Require(listed.Count == services, $"ListAll returned {listed.Count} services, not {services}");
                Console.WriteLine(Line($"bench mode=resync-listall {size} seconds={listSeconds:0.000000} syscalls={listSyscalls} allocated={listAllocated} gen0={listCollections}"));

                var (read, readSeconds, readSyscalls, readAllocated, readCollections) = Timed(client, gateway.ReadTable);
                Require(read.Services.Count == services, $"ReadTable returned {read.Services.Count} services, not {services}");
                Console.WriteLine(Line($"bench mode=resync-read {size} seconds={readSeconds:0.000000} syscalls={readSyscalls} allocated={readAllocated} gen0={readCollections}"));

                var (resync, resyncSeconds, resyncSyscalls, resyncAllocated, resyncCollections) = Timed(client, () => reconciler.Run(ReconcileReason.Resync, PassTable.Fresh));
                if (resync.Plan.Operations is [var unexpected, ..])
                {
                    throw new InvalidOperationException($"lab-load resync: a no-change resync planned {resync.Plan.Operations.Count} operations, first: {unexpected}.");
                }

                Console.WriteLine(Line($"bench mode=resync {size} seconds={resyncSeconds:0.000000} ops=0 syscalls={resyncSyscalls} allocated={resyncAllocated} gen0={resyncCollections}"));
            }

            int middle = services / 2;
            var (service, original) = table[middle];
            RealServer reweighted = original[0] with { Weight = 2 };
            var extra = new RealServer(NetAddress.Parse("172.16.251.1"), 9000, ForwardingMethod.Masquerade, 1);
            Change(client, reconciler, source, declarations, middle, "change-weight", size, [reweighted, .. original[1..]], server => server.Key == reweighted.Key && server.Weight == 2);
            Change(client, reconciler, source, declarations, middle, "change-add", size, [reweighted, .. original[1..], extra], server => server.Key == extra.Key);
            Change(client, reconciler, source, declarations, middle, "change-remove", size, [reweighted, .. original[1..]], server => server.Key == reweighted.Key);
            Require(client.ListDestinations(service.Key).Count == servers, $"{service.Key} should have {servers} real servers again");
        });
        return 0;
    }

    /// <summary>
    /// Replaces the real servers of service <paramref name="index"/> and runs the pass the agent runs between full
    /// resyncs (planned against the projected table), counting what it sent; then checks the kernel took it.
    /// </summary>
    private static void Change(
        IpvsClient client,
        Reconciler reconciler,
        TableSource source,
        List<ServiceDeclaration> declarations,
        int index,
        string mode,
        string size,
        RealServer[] servers,
        Func<RealServer, bool> expected)
    {
        declarations[index] = declarations[index] with { RealServers = servers };
        source.Current = new SourceSnapshot([.. declarations], []);
        var (report, seconds, syscalls, allocated, collections) = Timed(client, () => reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected));
        if (report.Outcome.Failures is [var failure, ..])
        {
            throw new InvalidOperationException($"lab-load resync: {mode}: the kernel rejected {failure.Operation}: {failure.Error}.");
        }

        VirtualServiceKey key = declarations[index].Service.Key;
        Require(client.ListDestinations(key).Any(entry => expected(entry.Server)), $"{mode}: the kernel does not show the change on {key}");
        Console.WriteLine(Line(
            $"bench mode={mode} {size} seconds={seconds:0.000000} requests={report.Plan.Operations.Count} datagrams={report.Outcome.Datagrams} syscalls={syscalls} allocated={allocated} gen0={collections} kernel-read={(report.ReadKernel ? "yes" : "no")} expected=requests:1,datagrams:1,syscalls:2,kernel-read:no"));
    }

    /// <summary>The C reference's dump of namespace <paramref name="name"/>, relabelled so lab-bench keys it apart from its own dump row.</summary>
    private static string ReferenceDump(string cReference, string name, int services, int servers)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["netns", "exec", name, cReference, "dump", Text(services), Text(servers)])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {cReference}.");
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(text => text.StartsWith("bench ", StringComparison.Ordinal));
        return process.ExitCode == 0 && line is not null
            ? line.Replace(" mode=dump ", " mode=resync-dump ", StringComparison.Ordinal)
            : throw new InvalidOperationException($"{cReference} dump exited with {process.ExitCode}: {error.Trim()}");
    }

    private static (T Result, double Seconds, long Syscalls, long Allocated, int Collections) Timed<T>(IpvsClient client, Func<T> body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long syscallsBefore = client.Channel.Transport.Syscalls;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int collectionsBefore = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        T result = body();
        clock.Stop();
        return (result, clock.Elapsed.TotalSeconds, client.Channel.Transport.Syscalls - syscallsBefore,
            GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, GC.CollectionCount(0) - collectionsBefore);
    }

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"lab-load resync: {failure}.");
        }
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The desired state as one source that never changes by itself: the benchmark swaps its snapshot.</summary>
    private sealed class TableSource(SourceSnapshot snapshot) : IDesiredSource
    {
        public string Name => "lab-load table";

        public SourceSnapshot? Current { get; set; } = snapshot;

        public Task RunAsync(Action changed, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class MemoryOwnershipStore : IOwnershipStore
    {
        private OwnershipRecord _record = OwnershipRecord.Empty;

        public OwnershipRecord Load(out string? notice)
        {
            notice = null;
            return _record;
        }

        public void Save(OwnershipRecord record) => _record = record;
    }
}
