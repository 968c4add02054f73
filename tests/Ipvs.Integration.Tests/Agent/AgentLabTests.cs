using System.Text.Json;
using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>The published ipvs-agent against the lab's real IPVS, each test in its own network namespace.</summary>
public sealed class AgentLabTests : IDisposable
{
    private const string Services = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            scheduler: rr
            servers:
              - address: 10.1.1.2:8080
              - address: 10.1.1.3:8080
                weight: 2
        """;

    private static readonly string[] WebRules =
    [
        "-A -t 10.99.0.10:80 -s rr",
        "-a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 1",
        "-a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 2",
    ];

    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(45);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-lab-");

    private string StateDir => _scratch.StateDir;

    private string[] Common(params string[] arguments) =>
        [.. arguments, "--state-dir", StateDir, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--config", _scratch.Write("config.yaml", "logLevel: info\n")];

    private static async Task<bool> HasRules(LabNamespace lab, params string[] rules)
    {
        string save = await lab.RunAsync("ipvsadm", "-Sn");
        return rules.All(rule => save.Contains(rule + "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_DesiredKeyHeldByAForeignEntryTheAgentCannotRead_ConflictExitTwoAndTheEntryUntouched()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-unreadable");
        string services = _scratch.Write("services.yaml", Services);
        // Only ipvsadm can make it: persistence granularity 255.0.255.0 has no prefix form, so the agent cannot decode it.
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.10:80", "-s", "rr", "-p", "60", "-M", "255.0.255.0");
        string before = await lab.RunAsync("ipvsadm", "-Sn");

        BufferedCommandResult first = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
        BufferedCommandResult second = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));

        string output = first.StandardOutput + first.StandardError;
        Assert.True(first.ExitCode == 2, $"exit {first.ExitCode}: {output}");
        Assert.Contains("TCP 10.99.0.10:80: already in the kernel, not created by this agent and not readable by it", output, StringComparison.Ordinal);
        Assert.Contains("255.0.255.0 is not contiguous", output, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, second.ExitCode);
        Assert.Equal(before, await lab.RunAsync("ipvsadm", "-Sn"));
    }

    [Fact]
    public async Task Apply_NatServiceWithNodeAddress_SourceNatRuleOutItsInterfaceAndOffRemovesItLeavingForeignRules()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-snat");
        string services = _scratch.Write("services.yaml", Services);
        await lab.RunAsync("ip", "link", "add", "up0", "type", "dummy");
        await lab.RunAsync("ip", "addr", "add", "192.0.2.1/24", "dev", "up0");
        await lab.RunAsync("ip", "link", "set", "up0", "up");
        await lab.RunAsync("iptables-legacy", "-t", "nat", "-A", "POSTROUTING", "-s", "10.250.0.0/16", "-j", "MASQUERADE");
        string foreign = await lab.RunAsync("iptables-legacy", "-t", "nat", "-S", "POSTROUTING");

        BufferedCommandResult apply = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services, "--node-address", "192.0.2.1"));
        string installed = await lab.RunAsync("iptables-legacy-save");
        BufferedCommandResult again = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services, "--node-address", "192.0.2.1"));
        BufferedCommandResult off = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services, "--source-nat", "off"));
        string removed = await lab.RunAsync("iptables-legacy-save");

        Assert.True(apply.ExitCode == 0, apply.StandardOutput + apply.StandardError);
        Assert.Contains("source NAT: IPv4 NAT connections leaving out up0 are masqueraded and their replies forwarded (iptables-legacy", apply.StandardError, StringComparison.Ordinal);
        Assert.Contains("-A IPVS-AGENT-POSTROUTING -o up0 -m ipvs --vdir ORIGINAL --vmethod MASQ", installed, StringComparison.Ordinal);
        Assert.Single(installed.Split('\n'), line => line.EndsWith("-j IPVS-AGENT-POSTROUTING", StringComparison.Ordinal));
        Assert.Contains("-A IPVS-AGENT-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED --ctorigdst 10.99.0.0/24 --ctdir REPLY", installed, StringComparison.Ordinal);
        Assert.Single(installed.Split('\n'), line => line.EndsWith("-j IPVS-AGENT-FORWARD", StringComparison.Ordinal));
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
        Assert.DoesNotContain("source NAT", again.StandardError, StringComparison.Ordinal);
        Assert.True(off.ExitCode == 0, off.StandardOutput + off.StandardError);
        Assert.Contains("source NAT: IPv4 rules removed", off.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("IPVS-AGENT", removed, StringComparison.Ordinal);
        Assert.Equal(foreign, await lab.RunAsync("iptables-legacy", "-t", "nat", "-S", "POSTROUTING"));
        Assert.Equal("1", (await lab.RunAsync("cat", "/proc/sys/net/ipv4/vs/conntrack")).Trim());
    }

    [Fact]
    public async Task Apply_OwnedServiceRecreatedByHandOtherwise_LeftAsTheOperatorMadeItAndNamed()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-recreated");
        string services = _scratch.Write("services.yaml", Services);
        string empty = _scratch.Write("empty.yaml", "services: []\n");
        BufferedCommandResult created = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
        await lab.RunAsync("ipvsadm", "-D", "-t", "10.99.0.10:80");
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.10:80", "-s", "wlc");
        await lab.RunAsync("ipvsadm", "-a", "-t", "10.99.0.10:80", "-r", "10.1.1.9:8080", "-m");
        string handMade = await lab.RunAsync("ipvsadm", "-Sn");

        BufferedCommandResult verified = await AgentProcess.RunOnceAsync(lab.Name, Common("verify", "--services", services));
        BufferedCommandResult emptied = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", empty));
        BufferedCommandResult again = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));

        Assert.True(created.ExitCode == 0, created.StandardOutput + created.StandardError);
        Assert.Equal(1, verified.ExitCode);
        Assert.Contains("TCP 10.99.0.10:80: not served by the agent: conflict: the kernel's entry was changed or re-created outside the agent (scheduler rr -> wlc)",
            verified.StandardOutput, StringComparison.Ordinal);
        Assert.True(emptied.ExitCode == 0, emptied.StandardOutput + emptied.StandardError);
        Assert.Contains("TCP 10.99.0.10:80: configured otherwise than this agent left it (scheduler rr -> wlc)", emptied.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("TCP 10.99.0.10:80: already in the kernel but not created by this agent", again.StandardOutput + again.StandardError, StringComparison.Ordinal);
        Assert.Equal(handMade, await lab.RunAsync("ipvsadm", "-Sn"));
    }

    [Fact]
    public async Task Apply_JournalWrittenInAnotherNetworkNamespace_LicensesNothingThere()
    {
        await using LabNamespace first = await LabNamespace.CreateAsync("agent-journal-a");
        await using LabNamespace second = await LabNamespace.CreateAsync("agent-journal-b");
        string services = _scratch.Write("services.yaml", Services);
        string empty = _scratch.Write("empty.yaml", "services: []\n");
        BufferedCommandResult created = await AgentProcess.RunOnceAsync(first.Name, Common("apply", "--file", services));
        // The same key in another kernel table, made by someone else: the journal of the first names it.
        await second.RunAsync("ipvsadm", "-A", "-t", "10.99.0.10:80", "-s", "rr");
        await second.RunAsync("ipvsadm", "-a", "-t", "10.99.0.10:80", "-r", "10.1.1.2:8080", "-m");
        string foreign = await second.RunAsync("ipvsadm", "-Sn");

        BufferedCommandResult elsewhere = await AgentProcess.RunOnceAsync(second.Name, Common("apply", "--file", empty));
        string afterElsewhere = await second.RunAsync("ipvsadm", "-Sn");
        BufferedCommandResult back = await AgentProcess.RunOnceAsync(first.Name, Common("apply", "--file", services));

        Assert.True(created.ExitCode == 0, created.StandardOutput + created.StandardError);
        Assert.True(elsewhere.ExitCode == 0, elsewhere.StandardOutput + elsewhere.StandardError);
        Assert.Contains("was written for another kernel table", elsewhere.StandardError, StringComparison.Ordinal);
        Assert.Equal(foreign, afterElsewhere);
        // Set aside, not overwritten (the second pass changed nothing): back in the first table it still licenses.
        Assert.True(back.ExitCode == 0, back.StandardOutput + back.StandardError);
        Assert.Contains("No changes", back.StandardOutput, StringComparison.Ordinal);
        Assert.True(await HasRules(first, WebRules));
    }

    [Fact]
    public async Task Apply_NatServiceWithoutAnyUplink_AppliesAndWarnsThatOtherHostsCannotAnswer()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-snat-none");
        string services = _scratch.Write("services.yaml", Services);

        BufferedCommandResult apply = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));

        Assert.True(apply.ExitCode == 0, apply.StandardOutput + apply.StandardError);
        Assert.Contains("no source NAT for IPv4: no interface holds nodeAddress and no default route", apply.StandardError, StringComparison.Ordinal);
        Assert.True(await HasRules(lab, WebRules));
        Assert.DoesNotContain("IPVS-AGENT", await lab.RunAsync("iptables-legacy-save", "-t", "nat"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneShotVerbs_ApplyPlanVerifyStatusAndBadYaml_BehaveAsDocumented()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-oneshot");
        string services = _scratch.Write("services.yaml", Services);
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.99:80", "-s", "rr");

        BufferedCommandResult apply = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
        Assert.True(apply.ExitCode == 0, apply.StandardOutput + apply.StandardError);
        string listing = await lab.RunAsync("ipvsadm", "-Ln");
        BufferedCommandResult plan = await AgentProcess.RunOnceAsync(lab.Name, Common("plan", "--file", services, "--detailed-exitcode"));
        BufferedCommandResult verified = await AgentProcess.RunOnceAsync(lab.Name, Common("verify", "--services", services));
        await lab.RunAsync("ipvsadm", "-d", "-t", "10.99.0.10:80", "-r", "10.1.1.2:8080");
        BufferedCommandResult drifted = await AgentProcess.RunOnceAsync(lab.Name, Common("verify", "--services", services));
        BufferedCommandResult status = await AgentProcess.RunOnceAsync(lab.Name, Common("status", "--services", services, "--output", "json"));
        string before = await lab.RunAsync("ipvsadm", "-Sn");
        BufferedCommandResult bad = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", _scratch.Write("bad.yaml", Services.Replace("weight: 2", "weight: heavy", StringComparison.Ordinal))));
        string after = await lab.RunAsync("ipvsadm", "-Sn");

        Assert.Contains("TCP  10.99.0.10:80 rr", listing, StringComparison.Ordinal);
        Assert.Matches(@"-> 10\.1\.1\.3:8080\s+Masq\s+2", listing);
        Assert.True(plan.ExitCode == 0, plan.StandardOutput + plan.StandardError);
        Assert.Contains("No changes", plan.StandardOutput, StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.StandardOutput + verified.StandardError);
        Assert.Equal(1, drifted.ExitCode);
        Assert.Contains("real server 10.1.1.2:8080 is missing from the kernel", drifted.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("10.99.0.99", drifted.StandardOutput, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(status.StandardOutput);
        var owners = document.RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(service => service.GetProperty("service").GetString()!, service => service);
        Assert.Equal("owned", owners["TCP 10.99.0.10:80"].GetProperty("owner").GetString());
        Assert.Contains("(web)", owners["TCP 10.99.0.10:80"].GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("foreign", owners["TCP 10.99.0.99:80"].GetProperty("owner").GetString());
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("weight", bad.StandardError, StringComparison.Ordinal);
        Assert.Contains("heavy", bad.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Run_StaticFile_ConvergesRepairsDriftKeepsForeignServesMetricsAndStopsAsAsked()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-run");
        string services = _scratch.Write("services.yaml", Services);
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.99:80", "-s", "rr");
        await lab.RunAsync("ipvsadm", "-a", "-t", "10.99.0.99:80", "-r", "10.1.1.50:80", "-m", "-w", "7");
        string foreign = (await lab.RunAsync("ipvsadm", "-Sn")).Trim();
        string[] run = Common("--services", services, "--resync-interval", "1s", "--metrics-address", "127.0.0.1:9469");

        await using (AgentProcess agent = AgentProcess.Start(lab.Name, run))
        {
            await agent.EventuallyAsync(() => HasRules(lab, WebRules), Converge, "convergence from the static file");
            string vips = await lab.RunAsync("ip", "addr", "show", "dev", "ipvs0");
            Assert.Contains("10.99.0.10/32", vips, StringComparison.Ordinal);

            await lab.RunAsync("ipvsadm", "-d", "-t", "10.99.0.10:80", "-r", "10.1.1.2:8080");
            await lab.RunAsync("ipvsadm", "-e", "-t", "10.99.0.10:80", "-r", "10.1.1.3:8080", "-m", "-w", "9");
            await agent.EventuallyAsync(() => HasRules(lab, WebRules), Converge, "a deleted and a re-weighted real server restored");

            // Several resyncs later the foreign service is byte-for-byte what the operator made.
            await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
            string save = await lab.RunAsync("ipvsadm", "-Sn");
            Assert.All(foreign.Split('\n'), line => Assert.Contains(line + "\n", save, StringComparison.Ordinal));

            string metrics = await lab.RunAsync("curl", "-sf", "http://127.0.0.1:9469/metrics");
            Assert.Contains("node_ipvs_backend_weight{local_address=\"10.99.0.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"10.1.1.3\",remote_port=\"8080\"} 2", metrics, StringComparison.Ordinal);
            Assert.Contains("ipvs_agent_drift_repairs_total", metrics, StringComparison.Ordinal);

            await lab.RunAsync("ipvsadm", "-C");
            await agent.EventuallyAsync(() => HasRules(lab, WebRules), Converge, "the table restored after ipvsadm -C");

            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await HasRules(lab, WebRules), "SIGTERM must leave the rules in place");
        }

        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.0.99:80", "-s", "rr");
        await using (AgentProcess again = AgentProcess.Start(lab.Name, [.. run, "--cleanup"]))
        {
            await again.EventuallyAsync(() => Task.FromResult(again.Output.Contains("Adopted 1 owned services", StringComparison.Ordinal)), Converge, "the journal adopted at start");
            await again.EventuallyAsync(() => Task.FromResult(again.Output.Contains("ipvs-agent running", StringComparison.Ordinal)), Converge, "the daemon running");
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Assert.Equal(0, await again.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain("Add service", again.Output, StringComparison.Ordinal);
        }

        string final = await lab.RunAsync("ipvsadm", "-Sn");
        Assert.DoesNotContain("10.99.0.10", final, StringComparison.Ordinal);
        Assert.Contains("-A -t 10.99.0.99:80 -s rr", final, StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Dispose();
}
