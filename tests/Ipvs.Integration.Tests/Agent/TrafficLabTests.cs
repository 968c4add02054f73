using System.Diagnostics;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>Real TCP through a VIP the agent manages: a director namespace, a backend namespace behind a veth pair.</summary>
public sealed class TrafficLabTests : IDisposable
{
    private const string EchoServer = """
        import socket
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 8080)); s.listen(4)
        while True:
            c, _ = s.accept()
            while True:
                data = c.recv(100)
                if not data: break
                c.sendall(data)
        """;

    // Sends one line, waits for "go" on stdin (while the agent restarts), sends another on the same connection.
    private const string Client = """
        import socket, sys
        c = socket.create_connection(("10.99.0.10", 80), timeout=20)
        c.sendall(b"one"); print("got", c.recv(100).decode(), flush=True)
        sys.stdin.readline()
        c.sendall(b"two"); print("got", c.recv(100).decode(), flush=True)
        """;

    private readonly ScratchDirectory _scratch = new("ipvs-agent-traffic-");

    [Fact]
    public async Task Run_AgentRestarted_LongLivedConnectionThroughTheVipSurvives()
    {
        await using LabNamespace director = await LabNamespace.CreateAsync("agent-dir");
        await using LabNamespace backend = await LabNamespace.CreateAsync("agent-be");
        await Shell.RunAsync("ip", "-n", director.Name, "link", "add", "vd", "type", "veth", "peer", "name", "vb", "netns", backend.Name);
        await director.RunAsync("ip", "addr", "add", "10.1.1.1/24", "dev", "vd");
        await director.RunAsync("ip", "link", "set", "vd", "up");
        await backend.RunAsync("ip", "addr", "add", "10.1.1.2/24", "dev", "vb");
        await backend.RunAsync("ip", "link", "set", "vb", "up");
        await backend.RunAsync("ip", "route", "add", "default", "via", "10.1.1.1");
        string services = Path.Combine(_scratch.Path, "services.yaml");
        await File.WriteAllTextAsync(services, """
            services:
              - name: echo
                vip: 10.99.0.10
                port: 80
                servers:
                  - address: 10.1.1.2:8080
            """, TestContext.Current.CancellationToken);
        string[] run = ["--services", services, "--resync-interval", "1s", "--state-dir", _scratch.StateDir,
            "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--metrics-address", "127.0.0.1:9469"];

        using Process server = StartPython(backend.Name, EchoServer);
        try
        {
            await using (AgentProcess agent = AgentProcess.Start(director.Name, run))
            {
                await agent.EventuallyAsync(async () => (await director.RunAsync("ipvsadm", "-Sn")).Contains("-r 10.1.1.2:8080", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(45), "the echo service");
                // All addresses, not `dev ipvs0`: the agent creates the dummy after its first batch, and `ip` fails until then.
                await agent.EventuallyAsync(
                    async () => (await director.RunAsync("ip", "-o", "addr", "show")).Split('\n')
                        .Any(line => line.Contains(" ipvs0 ", StringComparison.Ordinal) && line.Contains("10.99.0.10/32", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(45), "the VIP on ipvs0");
                await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
                await RunConnectionAcrossRestart(director.Name, agent, run);
            }
        }
        finally
        {
            server.Kill();
        }
    }

    private static async Task RunConnectionAcrossRestart(string directorNetns, AgentProcess first, string[] run)
    {
        using Process client = StartPython(directorNetns, Client, redirectInput: true);
        string? one = await client.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
        Assert.Equal("got one", one);

        Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
        await using (AgentProcess second = AgentProcess.Start(directorNetns, run))
        {
            await second.EventuallyAsync(() => Task.FromResult(second.Output.Contains("ipvs-agent running", StringComparison.Ordinal)), TimeSpan.FromSeconds(45), "the restarted agent");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            await client.StandardInput.WriteLineAsync("go");
            await client.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            string? two = await client.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
            Assert.True(two == "got two", $"the connection broke across the restart: {two}; client: {await client.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}\nagent: {second.Output}");
            Assert.DoesNotContain("Add service", second.Output, StringComparison.Ordinal);

            // The kernel's counters for that traffic, as Prometheus scrapes them (refreshed by the 1 s resync). NAT
            // sees both directions; the connection itself may already be closing, so its state is not asserted.
            await second.EventuallyAsync(
                async () =>
                {
                    string metrics = await Scrape(directorNetns);
                    return Counter(metrics, "node_ipvs_connections_total") >= 1
                        && Counter(metrics, "node_ipvs_incoming_packets_total") > 0
                        && Counter(metrics, "node_ipvs_outgoing_packets_total") > 0
                        && metrics.Contains("remote_address=\"10.1.1.2\",remote_port=\"8080\"}", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(30), "the connection's counters in the metrics");
        }
    }

    private static async Task<string> Scrape(string netns) =>
        await Shell.RunAsync("ip", "netns", "exec", netns, "sh", "-c", "curl -sf http://127.0.0.1:9469/metrics || true");

    private static double Counter(string metrics, string name) =>
        metrics.Split('\n').Where(line => line.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Single();

    private static Process StartPython(string netns, string script, bool redirectInput = false)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", netns, LabPython.Executable, "-c", script])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
    }

    public void Dispose() => _scratch.Dispose();
}
