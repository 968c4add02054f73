using System.Globalization;
using System.Text.RegularExpressions;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>
/// The daemon under pressure in the real kernel: many resyncs next to foreign entries, and a SIGKILL in the middle of
/// a graceful drain. Each test has its own network namespace.
/// </summary>
public sealed partial class ResilienceLabTests : IDisposable
{
    private const string TwoServers = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            scheduler: rr
            servers:
              - address: 10.1.1.2:8080
              - address: 10.1.1.3:8080
        """;

    private const string OneServer = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            scheduler: rr
            servers:
              - address: 10.1.1.2:8080
        """;

    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-resilience-");

    [Fact]
    public async Task Run_HundredResyncs_ForeignEntriesStayByteIdentical()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-foreign");

        // Foreign entries an operator (or keepalived) made: one inside the agent's own VIP block, which is the
        // tempting case, a firewall-mark service and a UDP service outside the block.
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.99:80", "-s", "wrr", "-p", "300");
        await lab.RunAsync("ipvsadm", "-a", "-t", "10.99.0.99:80", "-r", "10.1.1.50:80", "-m", "-w", "7");
        await lab.RunAsync("ipvsadm", "-a", "-t", "10.99.0.99:80", "-r", "10.1.1.51:80", "-m", "-w", "0");
        await lab.RunAsync("ipvsadm", "-A", "-f", "42", "-s", "sh", "-b", "sh-port");
        await lab.RunAsync("ipvsadm", "-a", "-f", "42", "-r", "10.1.1.60", "-g", "-w", "3");
        await lab.RunAsync("ipvsadm", "-A", "-u", "192.0.2.53:53", "-s", "lc");
        // One the agent cannot even represent (persistence granularity 255.0.255.0): left alone, and no reason to stop.
        await lab.RunAsync("ipvsadm", "-A", "-t", "192.0.2.80:80", "-s", "rr", "-p", "60", "-M", "255.0.255.0");
        string foreign = await lab.RunAsync("ipvsadm", "-Sn");
        string[] run = ["--services", _scratch.Write("services.yaml", TwoServers), "--state-dir", _scratch.StateDir,
            "--allowed-vip-cidr", "10.99.0.0/24", "--allowed-fwmark", "1-100", "--no-docker",
            "--resync-interval", "100ms", "--min-interval", "20ms", "--metrics-address", "127.0.0.1:9469"];

        await using AgentProcess agent = AgentProcess.Start(lab.Name, run);
        await agent.EventuallyAsync(async () => await ReconcilePasses(lab) >= 101, TimeSpan.FromMinutes(3), "101 reconcile passes (startup + 100 resyncs)");
        string after = await lab.RunAsync("ipvsadm", "-Sn");

        string[] foreignLines = foreign.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, foreignLines.Length);
        Assert.All(foreignLines, line => Assert.Contains(line + "\n", after, StringComparison.Ordinal));
        Assert.Contains("-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 1\n", after, StringComparison.Ordinal);
        Assert.Equal(foreignLines.Length + 3, after.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain("Failed to", agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Reconcile failed", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KilledMidDrain_RestartedAgentFinishesTheDrainWithoutFlushing()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-drain");

        // Connections to a real server that never answers stay in SYN_SENT for two minutes: an honest "still has
        // connections" for the drain. The sink route makes the kernel send them somewhere.
        await lab.RunAsync("ip", "link", "add", "sink", "type", "dummy");
        await lab.RunAsync("ip", "link", "set", "sink", "up");
        await lab.RunAsync("ip", "route", "add", "10.1.1.0/24", "dev", "sink");
        string services = _scratch.Write("services.yaml", TwoServers);
        string state = _scratch.StateDir;
        string[] run = ["--services", services, "--state-dir", state, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker",
            "--resync-interval", "1s", "--drain-timeout", "20s", "--metrics-address", "off"];

        DateTimeOffset drainStarted;
        await using (AgentProcess first = AgentProcess.Start(lab.Name, run))
        {
            await first.EventuallyAsync(() => HasLine(lab, "-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 1"), Converge, "convergence");
            await first.EventuallyAsync(() => Task.FromResult(first.Output.Contains("added VIP 10.99.0.10", StringComparison.Ordinal)), Converge, "the VIP");
            for (int i = 0; i < 4; i++)
            {
                await lab.RunAsync("sh", "-c", "curl -s --max-time 1 http://10.99.0.10/ || true");
            }

            Assert.True(await Connections(lab, "10.1.1.3:8080") > 0, await lab.RunAsync("ipvsadm", "-Ln"));

            File.WriteAllText(services, OneServer);
            await Signal(first, "HUP");
            drainStarted = DateTimeOffset.UtcNow;
            await first.EventuallyAsync(() => HasLine(lab, "-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 0"), Converge, "the server drained to weight 0");
            Assert.Contains("10.1.1.3:8080", await File.ReadAllTextAsync(Path.Combine(state, "ownership.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

            // Killed well into the drain, so a restarted agent that forgot it (a fresh 20 s drain) is told apart
            // from one that resumed it (deleted at the journaled deadline).
            TimeSpan intoDrain = DateTimeOffset.UtcNow - drainStarted;
            if (intoDrain < TimeSpan.FromSeconds(12))
            {
                await Task.Delay(TimeSpan.FromSeconds(12) - intoDrain, TestContext.Current.CancellationToken);
            }

            await Signal(first, "KILL");
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        DateTimeOffset journaledDeadline = JournaledDeadline(await File.ReadAllTextAsync(Path.Combine(state, "ownership.json"), TestContext.Current.CancellationToken));

        string whileDown = await lab.RunAsync("ipvsadm", "-Sn");
        Assert.Contains("-a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 1\n", whileDown, StringComparison.Ordinal);
        Assert.Contains("-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 0\n", whileDown, StringComparison.Ordinal);

        await using AgentProcess second = AgentProcess.Start(lab.Name, run);
        await second.EventuallyAsync(async () => !await HasLine(lab, "-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 0"), Converge, "the drained server removed");
        TimeSpan drainLasted = DateTimeOffset.UtcNow - drainStarted;
        string final = await lab.RunAsync("ipvsadm", "-Sn");

        // The connections outlive the 20 s deadline, so only a deadline can have ended the drain; the restarted agent
        // must name the journaled one (a restarted agent that forgot the drain would start a new one with a later
        // deadline, or delete at once). Compared by value, not by the clock, so a slow restart on a busy host is fine.
        Assert.Contains($"drain deadline {journaledDeadline:O} passed", second.Output, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"drain lasted {drainLasted.TotalSeconds:0.0} s (deadline 20 s; longer only when the restart was slow)");
        Assert.Contains("-A -t 10.99.0.10:80 -s rr\n", final, StringComparison.Ordinal);
        Assert.Contains("-a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 1\n", final, StringComparison.Ordinal);

        // The pass journals after the kernel took its change, and the journal's fsync on the lab's host filesystem can
        // take longer than the two ipvsadm runs above: wait for the write, then check what it says.
        string journal = Path.Combine(state, "ownership.json");
        await second.EventuallyAsync(
            async () => !(await File.ReadAllTextAsync(journal, TestContext.Current.CancellationToken)).Contains("10.1.1.3", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the finished drain journaled");
        Assert.DoesNotContain("10.1.1.3", await File.ReadAllTextAsync(journal, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>The one drain's deadline in the ownership journal.</summary>
    private static DateTimeOffset JournaledDeadline(string journal)
    {
        using var document = System.Text.Json.JsonDocument.Parse(journal);
        return Assert.Single(document.RootElement.GetProperty("drains").EnumerateArray()).GetProperty("deadline").GetDateTimeOffset();
    }

    private static async Task<bool> HasLine(LabNamespace lab, string line) =>
        (await lab.RunAsync("ipvsadm", "-Sn")).Contains(line + "\n", StringComparison.Ordinal);

    private static async Task<long> ReconcilePasses(LabNamespace lab)
    {
        string metrics = await lab.RunAsync("sh", "-c", "curl -sf http://127.0.0.1:9469/metrics || true");
        Match match = PassCount().Match(metrics);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Active + inactive connections of a real server, from <c>ipvsadm -Ln</c>.</summary>
    private static async Task<int> Connections(LabNamespace lab, string server)
    {
        // "  -> 10.1.1.3:8080  Masq  1  2  0": forward, weight, active, inactive.
        foreach (string line in (await lab.RunAsync("ipvsadm", "-Ln")).Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["->", var address, _, _, var active, var inactive] && address == server)
            {
                return int.Parse(active, CultureInfo.InvariantCulture) + int.Parse(inactive, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static async Task Signal(AgentProcess agent, string signal) =>
        await Shell.RunAsync("kill", "-" + signal, agent.ProcessId.ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^ipvs_agent_reconcile_duration_seconds_count (\d+)$", RegexOptions.Multiline)]
    private static partial Regex PassCount();

    public void Dispose() => _scratch.Dispose();
}
