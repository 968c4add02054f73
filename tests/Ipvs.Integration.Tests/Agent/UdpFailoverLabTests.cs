using System.Diagnostics;
using System.Globalization;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>
/// The field's most reported IPVS failure (kubernetes#71514, moby#36878): a UDP client with a fixed source port keeps
/// being sent to a real server that left, by a stale IPVS or conntrack entry. A client sends one datagram every 100 ms;
/// the backend that answers it is removed from the services file; the test prints how long until the other backend
/// answers, and asserts it does within a bound generous enough for a loaded lab (not a timing assertion).
/// </summary>
public sealed class UdpFailoverLabTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Answers every datagram to port 5300 with its name (argv[1]) (also the UDP backend of the health-check tests).</summary>
    internal const string EchoServer = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 5300))
        while True:
            _, peer = s.recvfrom(100)
            s.sendto(sys.argv[1].encode(), peer)
        """;

    /// <summary>
    /// From 10.2.2.2:40000 to argv[1]:argv[2], one datagram per 100 ms for at most argv[3] seconds; prints
    /// "&lt;seconds since start&gt; &lt;who answered&gt;" for each answer (also the health-check UDP test's client).
    /// </summary>
    internal const string Client = """
        import socket, sys, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("10.2.2.2", 40000))
        target = (sys.argv[1], int(sys.argv[2]))
        start = time.monotonic()
        while time.monotonic() - start < float(sys.argv[3]):
            sent = time.monotonic()
            s.sendto(b"ping", target)
            s.settimeout(0.1)
            try:
                while True:
                    data, _ = s.recvfrom(100)
                    print("%.3f %s" % (time.monotonic() - start, data.decode()), flush=True)
            except socket.timeout:
                pass
            time.sleep(max(0, 0.1 - (time.monotonic() - sent)))
        """;

    /// <summary>Generous for a loaded lab: the file watcher, a reconcile pass and the kernel's reaction, several times over.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(45);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-udp-");

    public enum FlowPath
    {
        /// <summary>The client sends to the VIP; IPVS alone (with its conntrack integration) rewrites the flow.</summary>
        Direct,
        /// <summary>The director also masquerades IPVS traffic (kube-proxy, swarm ingress): conntrack source-NATs the flow.</summary>
        Masquerade,
        /// <summary>The client sends to a node port that iptables DNATs to the VIP (a published port): conntrack destination-NATs the flow.</summary>
        NodePort,
    }

    [Theory]
    [InlineData(FlowPath.Direct)]
    [InlineData(FlowPath.Masquerade)]
    [InlineData(FlowPath.NodePort)]
    public async Task Run_AnsweringUdpServerRemovedFromTheFile_ClientReachesTheOtherServer(FlowPath path)
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("agent-udp", backends: 2);
        network.StartServer(0, EchoServer);
        network.StartServer(1, EchoServer);
        LabNamespace director = network.Director;
        string Services(params int[] backends) => "services:\n  - name: dns\n    vip: 10.99.0.10\n    port: 53\n    protocol: udp\n    scheduler: rr\n    servers:\n"
            + string.Concat(backends.Select(index => $"      - address: {DirectorNetwork.BackendAddress(index)}:5300\n"));
        string services = _scratch.Write("services.yaml", Services(0, 1));
        (string host, string port) target = ("10.99.0.10", "53");
        if (path == FlowPath.Masquerade)
        {
            await director.RunAsync("iptables", "-t", "nat", "-A", "POSTROUTING", "-m", "ipvs", "--vaddr", "10.99.0.10/32", "--vport", "53", "--vdir", "ORIGINAL", "-j", "MASQUERADE");
        }
        else if (path == FlowPath.NodePort)
        {
            await director.RunAsync("iptables", "-t", "nat", "-A", "PREROUTING", "-d", "10.2.2.1", "-p", "udp", "--dport", "30053", "-j", "DNAT", "--to-destination", "10.99.0.10:53");
            target = ("10.2.2.1", "30053");
        }

        string[] run = ["--services", services, "--resync-interval", "1s", "--state-dir", _scratch.StateDir, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--metrics-address", "off"];
        await using AgentProcess agent = AgentProcess.Start(director.Name, run);
        await agent.EventuallyAsync(
            async () => (await director.RunAsync("ip", "-o", "addr", "show")).Contains("10.99.0.10/32", StringComparison.Ordinal)
                && (await director.RunAsync("ipvsadm", "-Sn")).Contains($"-r {DirectorNetwork.BackendAddress(1)}:5300", StringComparison.Ordinal),
            Converge, "the UDP service and its VIP");

        using Process client = DirectorNetwork.StartPython(network.Client.Name, Client, target.host, target.port, "120");
        try
        {
            (double firstAt, string first) = await NextAnswerAsync(client, _ => true, Converge) ?? throw new InvalidOperationException(
                $"{path}: the client got no answer within {Converge.TotalSeconds:0} s: {await DescribeAsync(director)}\nclient stderr: {await ClientErrorsAsync(client)}\nagent:\n{agent.Output}");
            int removed = first == "backend0" ? 0 : 1;
            string other = removed == 0 ? "backend1" : "backend0";
            string before = await DescribeAsync(director);

            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(services, Services(1 - removed), TestContext.Current.CancellationToken);
            var stale = new List<double>();
            (double At, string Name)? moved = await NextAnswerAsync(client, answer =>
            {
                if (answer.Name == other)
                {
                    return true;
                }

                stale.Add(answer.At);
                return false;
            }, FailoverBound);
            TimeSpan failover = clock.Elapsed;

            // The gap the client saw between its removed server's last answer and the other's first: the kernel's and
            // the agent's reaction to the deletion, without the file watcher's delay that the time after the edit includes.
            string gap = moved is { } next && stale.Count > 0 ? $"{next.At - stale[^1]:0.000} s" : "n/a";
            output.WriteLine($"{path}: first answer from {first} at {firstAt:0.000} s; removed it from the file; "
                + (moved is { } answer ? $"{other} answered {failover.TotalSeconds:0.000} s after the edit (client clock {answer.At:0.000} s)" : $"{other} did not answer within {FailoverBound.TotalSeconds:0} s")
                + $"; {stale.Count} answers from {first} after the edit{(stale.Count > 0 ? $", the last at {stale[^1]:0.000} s" : string.Empty)}; gap {gap}");
            output.WriteLine($"before the edit:\n{before}\nafter:\n{await DescribeAsync(director)}");
            output.WriteLine(string.Join('\n', agent.Output.Split('\n').Where(line => line.Contains("conntrack", StringComparison.Ordinal))));
            Assert.True(moved is not null, $"{path}: the client was not answered by {other} within {FailoverBound.TotalSeconds:0} s of removing {first}. Agent:\n{agent.Output}");
            if (path == FlowPath.NodePort)
            {
                // The flow conntrack DNATed before IPVS saw it is the one the kernel leaves stale (measured: answered by
                // the removed server for the whole 20 s without this): the agent deleted its entry.
                Assert.Contains($"Deleted 1 conntrack entries of UDP flows to removed real server {DirectorNetwork.BackendAddress(removed)}:5300", agent.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            client.Kill();
        }
    }

    /// <summary>Reads the client's answers until <paramref name="wanted"/> accepts one; null when <paramref name="timeout"/> passes first.</summary>
    internal static async Task<(double At, string Name)?> NextAnswerAsync(Process client, Func<(double At, string Name), bool> wanted, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (await client.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                string[] words = line.Split(' ');
                var answer = (double.Parse(words[0], CultureInfo.InvariantCulture), words[1]);
                if (wanted(answer))
                {
                    return answer;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return null;
    }

    /// <summary>What the client wrote on stderr so far (a Python error, say), without waiting for more.</summary>
    private static async Task<string> ClientErrorsAsync(Process client)
    {
        client.Kill();
        await client.WaitForExitAsync(TestContext.Current.CancellationToken);
        return await client.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The director's IPVS connections and conntrack entries for port 53, for the printed figures.</summary>
    private static async Task<string> DescribeAsync(LabNamespace director) =>
        await director.RunAsync("sh", "-c", "ipvsadm -Lnc | grep -v TCP; grep -e 'dport=53 ' -e 'dport=30053 ' /proc/net/nf_conntrack 2>/dev/null || echo '(no conntrack entry listed)'");

    public void Dispose() => _scratch.Dispose();
}
