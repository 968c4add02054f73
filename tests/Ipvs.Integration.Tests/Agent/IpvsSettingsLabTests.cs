using System.Text.Json;
using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>The kernel settings the agent makes at start (IPVS timeouts, expire_quiescent_template), read back from the kernel and seen in real traffic.</summary>
public sealed class IpvsSettingsLabTests(ITestOutputHelper output) : IDisposable
{
    // Answers each connection with its name (argv[1]) and closes it.
    private const string NamingServer = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 8080)); s.listen(16)
        while True:
            c, _ = s.accept()
            c.sendall(sys.argv[1].encode()); c.close()
        """;

    // argv[1] new connections to the VIP, one after the other; prints who answered each (or "none").
    private const string Connections = """
        import socket, sys
        names = []
        for _ in range(int(sys.argv[1])):
            try:
                c = socket.create_connection(("10.99.0.10", 80), timeout=5)
                names.append(c.recv(100).decode() or "none"); c.close()
            except OSError:
                names.append("none")
        print(" ".join(names))
        """;

    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(45);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-settings-");

    [Fact]
    public async Task Run_TimeoutsConfigured_AreInTheKernelAndInStatus()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-timeouts");
        string before = (await lab.RunAsync("ipvsadm", "-L", "--timeout")).Trim();
        string config = _scratch.Write("config.yaml", "ipvsTcpTimeout: 2h\nipvsTcpFinTimeout: 30s\n");
        string[] run = ["--config", config, "--ipvs-udp-timeout", "90s", "--state-dir", _scratch.StateDir, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--metrics-address", "off"];

        string after;
        await using (AgentProcess agent = AgentProcess.Start(lab.Name, run))
        {
            await agent.EventuallyAsync(() => Task.FromResult(agent.Output.Contains("ipvs-agent running", StringComparison.Ordinal)), Converge, "the daemon running");
            after = (await lab.RunAsync("ipvsadm", "-L", "--timeout")).Trim();
            output.WriteLine($"ipvsadm before the agent: {before}; after: {after}");
            output.WriteLine(string.Join('\n', agent.Output.Split('\n').Where(line => line.Contains("IPVS timeout", StringComparison.Ordinal) || line.Contains("sysctl", StringComparison.Ordinal))));
            Assert.Contains("IPVS timeout tcp = 7200 s (was 900 s)", agent.Output, StringComparison.Ordinal);
            Assert.Contains("sysctl net.ipv4.vs.expire_quiescent_template = 1", agent.Output, StringComparison.Ordinal);
            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        BufferedCommandResult text = await AgentProcess.RunOnceAsync(lab.Name, "status", "--no-docker", "--state-dir", _scratch.StateDir, "--config", config);
        BufferedCommandResult json = await AgentProcess.RunOnceAsync(lab.Name, "status", "--no-docker", "--state-dir", _scratch.StateDir, "--config", config, "--output", "json");
        string sysctl = (await lab.RunAsync("cat", "/proc/sys/net/ipv4/vs/expire_quiescent_template")).Trim();
        output.WriteLine(text.StandardOutput);

        Assert.Equal("Timeout (tcp tcpfin udp): 900 120 300", before);
        Assert.Equal("Timeout (tcp tcpfin udp): 7200 30 90", after);
        Assert.True(text.ExitCode == 0, text.StandardOutput + text.StandardError);
        Assert.Contains("Timeout (tcp tcpfin udp): 7200 30 90\n", text.StandardOutput, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(json.StandardOutput);
        JsonElement timeouts = document.RootElement.GetProperty("timeoutSeconds");
        Assert.Equal((7200, 30, 90), (timeouts.GetProperty("tcp").GetInt32(), timeouts.GetProperty("tcpFin").GetInt32(), timeouts.GetProperty("udp").GetInt32()));
        Assert.Equal("1", sysctl);
    }

    /// <summary>
    /// The test: a client of a persistent service keeps reaching its server after that server went to weight 0
    /// while the template lives (expire_quiescent_template=0, the kernel's default), and reaches the other server once
    /// the agent, restarted, has set it to 1. Figures printed; the counts are the kernel's scheduling, not timing.
    /// </summary>
    [Fact]
    public async Task Run_PersistentServiceDrainedToWeightZero_NewConnectionsGoToTheOtherServer()
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("agent-quiesce", backends: 2);
        network.StartServer(0, NamingServer);
        network.StartServer(1, NamingServer);
        string Services(int weight0, int weight1) => $"""
            services:
              - name: sticky
                vip: 10.99.0.10
                port: 80
                scheduler: rr
                persistence: 600
                servers:
                  - address: {DirectorNetwork.BackendAddress(0)}:8080
                    weight: {weight0}
                  - address: {DirectorNetwork.BackendAddress(1)}:8080
                    weight: {weight1}
            """;
        string services = _scratch.Write("services.yaml", Services(1, 1));
        string[] run = ["--services", services, "--resync-interval", "1s", "--state-dir", _scratch.StateDir, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--metrics-address", "off"];
        LabNamespace director = network.Director;
        string chosen;

        await using (AgentProcess agent = AgentProcess.Start(director.Name, run))
        {
            await agent.EventuallyAsync(
                async () => (await director.RunAsync("ip", "-o", "addr", "show")).Contains("10.99.0.10/32", StringComparison.Ordinal)
                    && (await director.RunAsync("ipvsadm", "-Sn")).Contains($"-r {DirectorNetwork.BackendAddress(1)}:8080", StringComparison.Ordinal),
                Converge, "the sticky service and its VIP");
            string[] first = await ConnectAsync(network, 5);
            chosen = first[0];
            int index = chosen == "backend0" ? 0 : 1;
            output.WriteLine($"persistent, both at weight 1: {string.Join(' ', first)}");
            Assert.All(first, name => Assert.Equal(chosen, name));

            // The kernel's default, as on a host where nothing set it: the template outlives the drain.
            await director.RunAsync("sysctl", "-qw", "net.ipv4.vs.expire_quiescent_template=0");
            await File.WriteAllTextAsync(services, index == 0 ? Services(0, 1) : Services(1, 0), TestContext.Current.CancellationToken);
            await agent.EventuallyAsync(
                async () => (await director.RunAsync("ipvsadm", "-Sn")).Contains($"-r {DirectorNetwork.BackendAddress(index)}:8080 -m -w 0", StringComparison.Ordinal),
                Converge, "the chosen server at weight 0");
            string[] kept = await ConnectAsync(network, 5);
            output.WriteLine($"{chosen} at weight 0, expire_quiescent_template=0: {string.Join(' ', kept)}");
            Assert.All(kept, name => Assert.Equal(chosen, name));
            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        await using (AgentProcess again = AgentProcess.Start(director.Name, run))
        {
            await again.EventuallyAsync(() => Task.FromResult(again.Output.Contains("ipvs-agent running", StringComparison.Ordinal)), Converge, "the restarted agent");
            string templates = await director.RunAsync("ipvsadm", "-Lnc");
            string[] moved = await ConnectAsync(network, 5);
            output.WriteLine($"after the agent's restart (expire_quiescent_template=1): {string.Join(' ', moved)}\n{templates}");

            Assert.Contains("sysctl net.ipv4.vs.expire_quiescent_template = 1 (was 0)", again.Output, StringComparison.Ordinal);
            Assert.All(moved, name => Assert.Equal(chosen == "backend0" ? "backend1" : "backend0", name));
        }
    }

    private static async Task<string[]> ConnectAsync(DirectorNetwork network, int count) =>
        (await network.RunClientAsync(Connections, count.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim().Split(' ');

    public void Dispose() => _scratch.Dispose();
}
