using System.Diagnostics;
using System.Globalization;
using Ipvs.Core.Model;
using Ipvs.Netlink.Client;

namespace Ipvs.Benchmarks.Lab;

/// <summary>
/// <c>lab-load</c>: loads N services x D real servers from empty into a fresh network namespace of the lab kernel and
/// prints one machine-readable line per run. A fresh namespace per run, because deleted real servers linger on a
/// per-namespace trash list that every later add walks (a flush-and-reload measures that list, not us).
/// </summary>
/// <remarks>
/// <code>
/// lab-load [--services N] [--servers D] [--mode batched|per-ack|dump|resync] [--runs K] [--batch-bytes B] [--warmup 1|0] [--c-ref PATH] [--keep-namespaces 1|0]
///   batched  many requests per sendmsg, NLM_F_ACK only on the last of each datagram
///   per-ack  one request per sendmsg, each acknowledged before the next
///   dump     load batched (untimed), time one service dump alone (service-dump-seconds), then time ListAll
///            (one service dump + one real-server dump per service: seconds)
///   resync   the agent's own reconcile path on one table: see <see cref="LabResync"/>
/// </code>
/// Each run gets its own fresh namespace; an untimed 100 x 2 warm-up in yet another one comes first unless --warmup 0.
/// Each namespace is deleted after its run and the next run waits for the guest's CPU to go quiet (see
/// <see cref="CpuQuiet"/>): IPVS in 6.1 keeps every namespace's services in one global hash table, so a kept
/// 10k-service table would lengthen every later lookup, and its teardown runs in a kernel worker that would take the
/// guest's one CPU from the next measurement. --keep-namespaces 1 leaves them instead (to inspect a table).
/// Output: <c>bench mode=batched services=1000 servers=10 seconds=0.052 ops=11000 datagrams=2 syscalls=4 page-faults=12</c>.
/// </remarks>
internal static class LabLoad
{
    private static bool _keepNamespaces;

    public static int Run(string[] args)
    {
        int services = 1000;
        int servers = 10;
        int runs = 1;
        int batchBytes = NetlinkChannel.DefaultBatchBytes;
        string mode = "batched";
        bool warmUp = true;
        string? cReference = null;
        for (int index = 0; index < args.Length; index++)
        {
            string value = index + 1 < args.Length ? args[index + 1] : throw new ArgumentException($"{args[index]} needs a value.");
            switch (args[index])
            {
                case "--services":
                    services = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--servers":
                    servers = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--runs":
                    runs = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--batch-bytes":
                    batchBytes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    warmUp = value is "1" or "true" ? true : value is "0" or "false" ? false : throw new ArgumentException($"--warmup takes 1 or 0, not '{value}'.");
                    break;
                case "--mode":
                    mode = value is "batched" or "per-ack" or "dump" or "resync" ? value : throw new ArgumentException($"Unknown --mode '{value}': batched, per-ack, dump or resync.");
                    break;
                case "--keep-namespaces":
                    _keepNamespaces = value is "1" or "true" ? true : value is "0" or "false" ? false : throw new ArgumentException($"--keep-namespaces takes 1 or 0, not '{value}'.");
                    break;
                case "--c-ref":
                    cReference = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[index]}'.");
            }

            index++;
        }

        if (mode == "resync")
        {
            return LabResync.Run(services, servers, runs, warmUp, cReference);
        }

        if (warmUp)
        {
            // JIT-compiles every path once, in a namespace of its own, so the first timed run is not a compile run.
            List<IpvsCommand> small = Operations(100, 2);
            InFreshNamespace("warmup", batchBytes, (client, _) => _ = mode == "dump" ? Dump(client, small, 100, 2) : Load(client, small, mode, 100, 2));
        }

        List<IpvsCommand> operations = Operations(services, servers);
        for (int run = 0; run < runs; run++)
        {
            InFreshNamespace(
                run.ToString(CultureInfo.InvariantCulture),
                batchBytes,
                (client, _) => Console.WriteLine(mode == "dump" ? Dump(client, operations, services, servers) : Load(client, operations, mode, services, servers)));
        }

        return 0;
    }

    /// <summary>Runs <paramref name="body"/> with a client on a fresh namespace (and that namespace's name), then deletes it.</summary>
    internal static void InFreshNamespace(string suffix, int batchBytes, Action<IpvsClient, string> body)
    {
        string name = $"ipvs-bench-{Environment.ProcessId}-{suffix}";
        Ip("netns", "add", name);
        try
        {
            Ip("-n", name, "link", "set", "lo", "up");

            // The 6.1 estimator walks every service and server of every namespace every 2 s: kept tables would
            // otherwise slow down every later measurement (lab-bench-guest does the same for its own namespaces).
            Ip("netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.vs.run_estimation=0");
            using IpvsClient client = IpvsClient.OpenInNamespace($"/var/run/netns/{name}", batchBytes);
            body(client, name);
        }
        finally
        {
            if (!_keepNamespaces)
            {
                Ip("netns", "delete", name);
                CpuQuiet.Wait();
            }
        }
    }

    private static string Load(IpvsClient client, List<IpvsCommand> operations, string mode, int services, int servers)
    {
        long faultsBefore = MinorPageFaults();
        var clock = Stopwatch.StartNew();
        IpvsBatchResult result = client.Apply(operations, mode == "per-ack" ? BatchMode.PerAck : BatchMode.Batched);
        clock.Stop();
        long faults = MinorPageFaults() - faultsBefore;
        result.ThrowIfFailed();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"bench mode={mode} services={services} servers={servers} seconds={clock.Elapsed.TotalSeconds:0.000000} ops={operations.Count} datagrams={result.Datagrams} syscalls={result.Syscalls} page-faults={faults}");
    }

    private static string Dump(IpvsClient client, List<IpvsCommand> operations, int services, int servers)
    {
        client.Apply(operations).ThrowIfFailed();
        var serviceClock = Stopwatch.StartNew();
        int serviceCount = client.ListServices().Count;
        serviceClock.Stop();
        long syscallsBefore = client.Channel.Transport.Syscalls;
        long faultsBefore = MinorPageFaults();
        var clock = Stopwatch.StartNew();
        List<IpvsServiceSnapshot> table = client.ListAll();
        clock.Stop();
        long faults = MinorPageFaults() - faultsBefore;
        int entries = table.Count + table.Sum(snapshot => snapshot.RealServers.Count);
        return entries != operations.Count
            ? throw new InvalidOperationException($"Dump returned {entries} entries, {operations.Count} were loaded.")
            : string.Create(
                CultureInfo.InvariantCulture,
                $"bench mode=dump services={services} servers={servers} seconds={clock.Elapsed.TotalSeconds:0.000000} entries={entries} syscalls={client.Channel.Transport.Syscalls - syscallsBefore} page-faults={faults} service-dump-seconds={serviceClock.Elapsed.TotalSeconds:0.000000} services-dumped={serviceCount}");
    }

    private static List<IpvsCommand> Operations(int services, int servers)
    {
        List<IpvsCommand> operations = new(services * (1 + servers));
        foreach ((VirtualService service, RealServer[] realServers) in Table(services, servers))
        {
            operations.Add(IpvsCommand.AddService(service));
            foreach (RealServer server in realServers)
            {
                operations.Add(IpvsCommand.AddDestination(service.Key, server));
            }
        }

        return operations;
    }

    /// <summary>TCP services on 10.(100+i/65536).x.y:80; real server z of each at 172.16.z.(i%250+1), port 8000+i/250.</summary>
    internal static List<(VirtualService Service, RealServer[] Servers)> Table(int services, int servers)
    {
        if (services > 250 * 250 * 4 || servers > 250)
        {
            throw new ArgumentException($"At most {250 * 250 * 4} services and 250 real servers per service.");
        }

        List<(VirtualService, RealServer[])> table = new(services);
        for (int index = 0; index < services; index++)
        {
            int block = index / (250 * 250);
            int rest = index % (250 * 250);
            var key = VirtualServiceKey.ForAddress(
                IpvsProtocol.Tcp, NetAddress.Parse($"10.{100 + block}.{rest / 250}.{(rest % 250) + 1}"), 80);
            var realServers = new RealServer[servers];
            for (int server = 0; server < servers; server++)
            {
                var address = NetAddress.Parse($"172.16.{server}.{(index % 250) + 1}");
                realServers[server] = new RealServer(address, (ushort)(8000 + (index / 250)), ForwardingMethod.Masquerade, 1);
            }

            table.Add((VirtualService.Create(key, "rr"), realServers));
        }

        return table;
    }

    /// <summary>
    /// This process's minor page faults so far (field 10 of /proc/self/stat): under user-mode Linux a first touch
    /// of a page costs far more than on a real kernel, so the bench lines show how many a run took.
    /// </summary>
    internal static long MinorPageFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        // The command name (field 2) is parenthesised and may hold spaces: count fields after its closing paren.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
    }

    internal static void Ip(params string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("Cannot start ip.");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'ip {string.Join(' ', arguments)}' exited with {process.ExitCode}: {error.Trim()}");
        }
    }
}
