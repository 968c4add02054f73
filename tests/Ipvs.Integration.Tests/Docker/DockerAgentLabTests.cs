using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet.Models;
using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Docker.Support;
using Ipvs.Integration.Tests.Support;
using static Ipvs.Integration.Tests.Docker.Support.DockerAgentFixture;

namespace Ipvs.Integration.Tests.Docker;

/// <summary>
/// The agent as a child process against the lab's real dockerd and real IPVS: labelled containers become real
/// servers, and traffic through the VIPs reaches them. The steps share one agent and one set of containers (see
/// <see cref="DockerAgentFixture"/>) and run in order; each touches only its own containers, except the last two,
/// which restart dockerd and init a swarm. Run in the lab:
/// <c>vagrant/lab/run --docker -- dotnet Ipvs.Integration.Tests.dll -trait Category=LabDocker</c>.
/// </summary>
[Trait("Category", "LabDocker")]
[Collection(DockerLab.Name)]
[TestMethodOrderer(typeof(StepOrderer))]
public sealed class DockerAgentLabTests(DockerAgentFixture fixture) : IClassFixture<DockerAgentFixture>
{
    /// <summary>
    /// How long an agent may take to follow Docker: well under 10 s on a quiet host, but a fresh agent's first full read
    /// of dockerd (a list, then an inspect per labelled container) shares the guest's one CPU with dockerd and the other
    /// agents, and took over 120 s once on a busy host.
    /// </summary>
    private static readonly TimeSpan _converge = TimeSpan.FromSeconds(300);

    /// <summary>Refused connections retried (200 ms apart) right after a container started: see <see cref="DockerAgentFixture.GetAsync"/>.</summary>
    private const int StartingRetries = 25;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact, Step(1)]
    public async Task Run_ThreeLabelledContainers_OneServiceWithThreeRealServersAndTrafficReachesEach()
    {
        SkipWithoutDocker();
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        string[] names = ["web1", "web2", "web3"];
        HashSet<NetAddress> expected = [.. (await Task.WhenAll(names.Select(name => fixture.Docker.AddressAsync(name, Cancel)))).Select(NetAddress.Parse)];

        await fixture.Agent.EventuallyAsync(async () => AddressesOf(await RootTableAsync(), web).SetEquals(expected), _converge, "web1-3 as the real servers of 10.99.0.10:80");
        await fixture.Agent.EventuallyAsync(async () => (await Shell.RunAsync("ip", "addr", "show", "dev", "ipvs0")).Contains("10.99.0.10/32", StringComparison.Ordinal),
            _converge, "10.99.0.10 on ipvs0");

        var answered = new HashSet<string>(StringComparer.Ordinal);
        for (int request = 0; request < 30 && answered.Count < names.Length; request++)
        {
            answered.Add(await GetAsync("http://10.99.0.10/", StartingRetries));
        }

        Assert.Equal(names, answered.Order(StringComparer.Ordinal));
    }

    [Fact, Step(2)]
    public async Task Run_ContainerKilledThenAnotherStarted_RemovedThenAdded()
    {
        SkipWithoutDocker();
        VirtualServiceKey churn = Tcp("10.99.0.12", 80);
        string first = await fixture.Docker.AddressAsync("churn1", Cancel);
        string second = await fixture.Docker.AddressAsync("churn2", Cancel);
        await fixture.Agent.EventuallyAsync(async () => AddressesOf(await RootTableAsync(), churn).SetEquals([NetAddress.Parse(first), NetAddress.Parse(second)]),
            _converge, "churn1 and churn2 in 10.99.0.12:80");

        await fixture.Docker.KillAsync("churn1", Cancel);
        await fixture.Agent.EventuallyAsync(async () => AddressesOf(await RootTableAsync(), churn).SetEquals([NetAddress.Parse(second)]),
            _converge, "churn1 removed from 10.99.0.12:80");

        await fixture.Docker.RunAsync(new LabContainer("churn3", new Dictionary<string, string> { ["ipvs.churn.vip"] = "10.99.0.12:80" }), Cancel);
        try
        {
            string third = await fixture.Docker.AddressAsync("churn3", Cancel);
            await fixture.Agent.EventuallyAsync(async () => AddressesOf(await RootTableAsync(), churn).SetEquals([NetAddress.Parse(second), NetAddress.Parse(third)]),
                _converge, "churn3 added to 10.99.0.12:80");
            Assert.Equal("churn3", await GetUntilAsync("http://10.99.0.12/", "churn3", StartingRetries));
        }
        finally
        {
            await fixture.Docker.RemoveAsync("churn3", CancellationToken.None);
        }
    }

    [Fact, Step(3)]
    public async Task Run_Healthchecks_FailingNeverJoinsPassingJoinsOnceHealthyThenDrainsWhenUnhealthy()
    {
        SkipWithoutDocker();
        VirtualServiceKey hc = Tcp("10.99.0.11", 80);
        string ok = await fixture.Docker.AddressAsync("hc-ok", Cancel);

        // The service appears once hc-sick is unhealthy (a declared service whose only server drains); hc-ok, still
        // starting, must not be in it: the table is read first, so "starting" afterwards means it was starting then.
        await fixture.Agent.EventuallyAsync(async () => (await RootTableAsync()).FindService(hc) is not null, _converge, "the service of hc-sick and hc-ok");
        IpvsadmTable whileStarting = await RootTableAsync();
        Assert.Equal("starting", await HealthAsync("hc-ok"));
        Assert.Equal("unhealthy", await HealthAsync("hc-sick"));
        Assert.Empty(whileStarting.RealServersOf(hc));

        await fixture.Docker.ExecAsync("hc-ok", "touch /tmp/healthy", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), hc, ok)?.Weight == 1, _converge, "hc-ok joining once healthy");
        Assert.Equal("healthy", await HealthAsync("hc-ok"));
        Assert.Single((await RootTableAsync()).RealServersOf(hc));

        // A connection held open keeps the drain going, so weight 0 can be seen before the deletion.
        using var held = new TcpClient();
        await held.ConnectAsync("10.99.0.11", 80, Cancel);
        await fixture.Docker.ExecAsync("hc-ok", "rm /tmp/healthy", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), hc, ok)?.Weight == 0, _converge, "hc-ok at weight 0 once unhealthy");
        held.Close();
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), hc, ok) is null, _converge, "hc-ok removed after its drain");
        Assert.NotNull((await RootTableAsync()).FindService(hc));
    }

    [Fact, Step(4)]
    public async Task Run_ContainerRecreatedWithAnotherWeight_WeightChangesAndTheServiceIsNeverDeleted()
    {
        SkipWithoutDocker();
        VirtualServiceKey rel = Tcp("10.99.0.13", 80);
        string other = await fixture.Docker.AddressAsync("rel2", Cancel);
        await fixture.Agent.EventuallyAsync(async () => (await RootTableAsync()).RealServersOf(rel).Count() == 2, _converge, "rel1 and rel2 in 10.99.0.13:80");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        Task<List<IpvsadmTable>> sampling = SampleRootTableAsync(stop.Token);
        await fixture.Docker.RemoveAsync("rel1", Cancel);
        await fixture.Docker.RunAsync(new LabContainer("rel1", new Dictionary<string, string> { ["ipvs.rel.vip"] = "10.99.0.13:80", ["ipvs.rel.weight"] = "5" }), Cancel);
        string recreated = await fixture.Docker.AddressAsync("rel1", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), rel, recreated)?.Weight == 5, _converge, "rel1 at weight 5");
        await stop.CancelAsync();
        List<IpvsadmTable> samples = await sampling;

        Assert.True(samples.Count >= 3, $"only {samples.Count} samples of the table");
        Assert.All(samples, sample => Assert.NotNull(sample.FindService(rel)));
        Assert.All(samples, sample => Assert.Equal(1, ServerOf(sample, rel, other)?.Weight));
    }

    [Fact, Step(5)]
    public async Task Run_ContainerWithBadLabel_ReportedByNameAndLabelWhileTheOthersServe()
    {
        SkipWithoutDocker();
        await fixture.Agent.EventuallyAsync(
            () => Task.FromResult(fixture.Agent.Output.Split('\n').Any(line => line.Contains("container 'bad'", StringComparison.Ordinal)
                && line.Contains("ipvs.web.weight=heavy", StringComparison.Ordinal))),
            _converge, "a log line naming container 'bad' and its label ipvs.web.weight=heavy");

        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        string bad = await fixture.Docker.AddressAsync("bad", Cancel);
        IpvsadmTable table = await RootTableAsync();
        Assert.Equal(3, table.RealServersOf(web).Count());
        Assert.Null(ServerOf(table, web, bad));
        Assert.StartsWith("web", await GetAsync("http://10.99.0.10/"), StringComparison.Ordinal);
    }

    [Fact, Step(6)]
    public async Task Run_UdpLabels_UdpServiceAnswersThroughTheVip()
    {
        SkipWithoutDocker();
        VirtualServiceKey dns = Udp("10.99.0.14", 53);
        string address = await fixture.Docker.AddressAsync("udp1", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), dns, address) is not null, _converge, "udp1 in UDP 10.99.0.14:53");

        int pid = (await fixture.Docker.InspectAsync("udp1", Cancel)).State?.Pid is long running and > 0
            ? (int)running
            : throw new InvalidOperationException("udp1 is not running");
        using Process server = StartInNetworkNamespaceOf(pid, LabPython.Executable, "-c", UdpEchoServer);
        Assert.Equal("ready", await server.StandardOutput.ReadLineAsync(Cancel));
        string? answer = null;
        for (int attempt = 0; attempt < 5 && answer is null; attempt++)
        {
            using var client = new UdpClient();
            client.Connect("10.99.0.14", 53);
            await client.SendAsync(Encoding.ASCII.GetBytes("ping\n"), Cancel);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            wait.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                answer = Encoding.ASCII.GetString((await client.ReceiveAsync(wait.Token)).Buffer).Trim();
            }
            catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
            {
                // Not answered yet: the server (python3, slow to start in the guest) may not be bound.
            }
        }

        server.Kill();
        Assert.Equal("pong", answer);
    }

    [Fact, Step(7)]
    public async Task Run_ContainerWithTheAgentAsResolver_FetchesServicesByNameAndResolvesUpstreamNames()
    {
        SkipWithoutDocker();
        string[] run = ["-H", $"unix://{LabDocker.Socket}", "run", "--rm", "--dns", BridgeGateway, LabDocker.Image, "sh", "-c"];

        // churn's containers started after the agent (and churn2 after step 2 killed churn1): names follow the labels.
        // wget resolves through the C library (the container's /etc/resolv.conf names the agent), nslookup by itself.
        // Debian's static busybox 1.35 wget crashes on its own -T (exit 139, before any I/O): the timeout applet bounds it.
        string web = await Shell.RunAsync("docker", [.. run, "timeout 30 wget -q -O- http://web.ipvs.internal/"]);
        string churn = await Shell.RunAsync("docker", [.. run, "nslookup churn.ipvs.internal"]);
        // The upstream knows only the name's A record (dnsmasq refuses the AAAA question), so only A is asked.
        string upstream = await Shell.RunAsync("docker", [.. run, $"nslookup -type=a {LabDnsmasq.HostName}"]);
        TestContext.Current.SendDiagnosticMessage($"in a container: wget http://web.ipvs.internal/: {web}\n{churn}\n{upstream}");
        Assert.Contains(web.Trim(), (string[])["web1", "web2", "web3"]);
        Assert.Contains("10.99.0.12", churn, StringComparison.Ordinal);
        Assert.Contains(LabDnsmasq.HostAddress, upstream, StringComparison.Ordinal);

        // A service that did not exist when the names above were answered: its name answers once the agent applied it,
        // with nothing restarted. The loop in the container is bounded by the convergence wait.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await fixture.Docker.RunAsync(LateContainer, Cancel);
        int tries = (int)_converge.TotalSeconds / 2;
        string late = await Shell.RunAsync("docker",
            [.. run, $"for i in $(seq {tries}); do timeout 5 wget -q -O- http://late.ipvs.internal/ && exit 0; sleep 1; done; echo 'late.ipvs.internal never answered' >&2; exit 1"]);
        Console.Error.WriteLine($"DNS step: late.ipvs.internal answered through its VIP {clock.Elapsed.TotalSeconds:0.0} s after docker run of {LateContainer.Name}");
        Assert.Equal(LateContainer.Name, late.Trim());
    }

    [Fact, Step(7)]
    public async Task StatusAndVerify_StaticFileAndLabelsGiveOneNameTwoVips_BothReportTheConflict()
    {
        SkipWithoutDocker();
        string services = Path.Combine(fixture.WorkDirectory, "names.yaml");
        await File.WriteAllTextAsync(services, "services:\n  - { name: web, vip: 10.99.0.20, port: 80 }\n", Cancel);
        string[] flags = ["--services", services, .. fixture.DaemonFlags];

        CliWrap.Buffered.BufferedCommandResult status = await AgentProcess.RunOnceAsync(RootNamespace, ["status", .. flags]);
        CliWrap.Buffered.BufferedCommandResult verify = await AgentProcess.RunOnceAsync(RootNamespace, ["verify", .. flags]);

        // The static file comes first, so it keeps the name; the labels' web (10.99.0.10) is the one in conflict.
        const string conflict = "service name 'web': TCP 10.99.0.10:80";
        Assert.Equal(0, status.ExitCode);
        Assert.Contains(conflict, status.StandardError, StringComparison.Ordinal);
        Assert.Contains("web.ipvs.internal answers 10.99.0.20", status.StandardError, StringComparison.Ordinal);
        Assert.True(verify.ExitCode == 1 && verify.StandardOutput.Contains(conflict, StringComparison.Ordinal),
            $"verify exited {verify.ExitCode}:\n{verify.StandardOutput}{verify.StandardError}");
    }

    [Fact, Step(7)]
    public async Task Run_Ipv6NetworkContainer_Ipv6ServiceAndTrafficThroughTheVip()
    {
        SkipWithoutDocker();
        if (fixture.Ipv6Unavailable is { } reason)
        {
            Assert.Skip(reason);
        }

        VirtualServiceKey web6 = Tcp("fd00:99:ff::10", 80);
        string address = await fixture.Docker.AddressAsync(Ipv6Container.Name, Cancel, Ipv6Network, ipv6: true);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), web6, address) is not null, _converge, "v6web in TCP [fd00:99:ff::10]:80");

        Assert.Equal(Ipv6Container.Name, await GetAsync("http://[fd00:99:ff::10]/", StartingRetries));
    }

    /// <summary>
    /// Issue 14's label case: a container without a Docker healthcheck, labelled <c>ipvs.hl.check=http:/</c> (1 s
    /// interval, fall 2, rise 2), whose httpd is stopped with docker exec, goes to weight 0 while the container runs on,
    /// and serves again once httpd is started again. Times printed, not asserted.
    /// </summary>
    [Fact, Step(8)]
    public async Task Run_LabelledHttpCheckAndHttpdStoppedInTheContainer_WeightZeroThenServingAgain()
    {
        SkipWithoutDocker();
        VirtualServiceKey labelled = Tcp("10.99.0.15", 80);
        string address = await fixture.Docker.AddressAsync("hc-label", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), labelled, address)?.Weight == 1, _converge, "hc-label at weight 1 in 10.99.0.15:80");
        Assert.Equal("hc-label", await GetUntilAsync("http://10.99.0.15/", "hc-label", StartingRetries));

        var clock = Stopwatch.StartNew();
        await fixture.Docker.ExecAsync("hc-label", "kill $(pidof httpd)", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), labelled, address)?.Weight == 0, _converge,
            "hc-label at weight 0 once its httpd was stopped (its labelled HTTP check fails)");
        TimeSpan down = clock.Elapsed;
        ContainerInspectResponse running = await fixture.Docker.Client.Containers.InspectContainerAsync("hc-label", Cancel);

        clock.Restart();
        await fixture.Docker.ExecAsync("hc-label", "httpd -p 80 -h /www", Cancel);
        await fixture.Agent.EventuallyAsync(async () => ServerOf(await RootTableAsync(), labelled, address)?.Weight == 1, _converge,
            "hc-label back at weight 1 once its httpd was started again");
        TimeSpan up = clock.Elapsed;
        string answer = await GetAsync("http://10.99.0.15/", StartingRetries);

        TestContext.Current.SendDiagnosticMessage($"hc-label: weight 0 {down.TotalSeconds:0.0} s after docker exec stopped httpd (fall 2 x interval 1 s, plus the exec); "
            + $"weight 1 {up.TotalSeconds:0.0} s after it was started again (rise 2 x interval 1 s, plus the exec)");
        Assert.True(running.State?.Running == true, "the container must have run on: the check, not a Docker event, took it out");
        Assert.Equal("hc-label", answer);
    }

    [Fact, Step(8)]
    public async Task Run_TwoNodesOnOneDockerd_IdenticalTablesAndOneKilledLeavesTheOtherFollowing()
    {
        SkipWithoutDocker();
        await using LabNamespace nodeA = await LabNamespace.CreateAsync("node-a");
        await using LabNamespace nodeB = await LabNamespace.CreateAsync("node-b");
        await using AgentProcess agentA = AgentProcess.Start(nodeA.Name, [.. AgentFlags, "--state-dir", Path.Combine(fixture.WorkDirectory, "node-a")]);
        AgentProcess agentB = AgentProcess.Start(nodeB.Name, [.. AgentFlags, "--state-dir", Path.Combine(fixture.WorkDirectory, "node-b")]);
        bool killed = false;
        try
        {
            VirtualServiceKey web = Tcp("10.99.0.10", 80);
            await agentA.EventuallyAsync(async () => (await nodeA.SaveIpvsadmAsync()).RealServersOf(web).Count() == 3, _converge, "node A's web service");
            await agentB.EventuallyAsync(async () => (await nodeB.SaveIpvsadmAsync()).RealServersOf(web).Count() == 3, _converge, "node B's web service");
            await agentA.EventuallyAsync(async () => SameTable(await nodeA.SaveIpvsadmAsync(), await nodeB.SaveIpvsadmAsync()), _converge, "identical tables on both nodes");
            IpvsadmTable before = await nodeA.SaveIpvsadmAsync();

            // DisposeAsync sends SIGKILL.
            await agentB.DisposeAsync();
            killed = true;
            await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
            Assert.True(SameTable(before, await nodeA.SaveIpvsadmAsync()), "node A's table changed when node B's agent was killed");
            Assert.True(SameTable(before, await nodeB.SaveIpvsadmAsync()), "node B's rules went away with its agent");

            VirtualServiceKey rel = Tcp("10.99.0.13", 80);
            string other = await fixture.Docker.AddressAsync("rel2", Cancel);
            Assert.NotNull(ServerOf(before, rel, other));
            await fixture.Docker.KillAsync("rel2", Cancel);
            await agentA.EventuallyAsync(async () => ServerOf(await nodeA.SaveIpvsadmAsync(), rel, other) is null, _converge, "node A following rel2's death");
            Assert.False(agentA.HasExited);
        }
        finally
        {
            if (!killed)
            {
                await agentB.DisposeAsync();
            }
        }
    }

    [Fact, Step(9)]
    public async Task Run_DockerdKilledAndRestarted_RulesStayWhileDownAndMatchDockerAfterwards()
    {
        SkipWithoutDocker();
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        await fixture.Agent.EventuallyAsync(async () => (await RootTableAsync()).RealServersOf(web).Count() == 3, _converge, "the web service before the restart");
        // Let the agent settle everything earlier steps changed before taking the reference table.
        await fixture.Agent.EventuallyAsync(async () =>
        {
            IpvsadmTable first = await RootTableAsync();
            await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
            return SameTable(first, await RootTableAsync());
        }, _converge, "a table that stays the same for 3 s");
        IpvsadmTable before = await RootTableAsync();

        var dockerd = LabDockerd.Running();
        await dockerd.KillAsync();
        var samples = new List<IpvsadmTable>();
        var down = Stopwatch.StartNew();
        while (down.Elapsed < TimeSpan.FromSeconds(8))
        {
            samples.Add(await RootTableAsync());
            await Task.Delay(250, Cancel);
        }

        dockerd.Start();
        await fixture.Agent.EventuallyAsync(async () => await PingAsync(), _converge, "dockerd answering again");
        Assert.All(samples, sample => Assert.True(SameTable(before, sample), "the table changed while dockerd was down"));

        // Without live-restore dockerd stops the running containers when it starts; web1-3 come back (restart
        // policy always), perhaps with new addresses. The agent must follow what Docker now says.
        await fixture.Agent.EventuallyAsync(async () =>
        {
            HashSet<NetAddress> running = await RunningAddressesAsync("ipvs.web.vip=10.99.0.10:80");
            return running.Count == 3 && AddressesOf(await RootTableAsync(), web).SetEquals(running);
        }, TimeSpan.FromSeconds(240), "the web service matching Docker after the restart");
        await fixture.Agent.EventuallyAsync(async () =>
            AddressesOf(await RootTableAsync(), Tcp("10.99.0.12", 80)).SetEquals(await RunningAddressesAsync("ipvs.churn.vip=10.99.0.12:80")),
            _converge, "the churn service matching Docker after the restart");
        Assert.StartsWith("web", await GetUntilAsync("http://10.99.0.10/", "web"), StringComparison.Ordinal);
    }

    [Fact, Step(10), Trait("Category", "LabSwarm")]
    public async Task Run_SwarmServiceScaledFromTwoToThree_RealServersFollowTheTasks()
    {
        SkipWithoutDocker();
        VirtualServiceKey swarmWeb = Tcp("10.99.0.20", 80);
        var clock = Stopwatch.StartNew();
        await Shell.RunAsync("ip", "link", "add", "swarm0", "type", "dummy");
        try
        {
            await Shell.RunAsync("ip", "addr", "add", "192.168.77.1/24", "dev", "swarm0");
            await Shell.RunAsync("ip", "link", "set", "swarm0", "up");
            await Shell.RunAsync("docker", "swarm", "init", "--advertise-addr", "192.168.77.1");
            await Shell.RunAsync("docker", "network", "create", "-d", "overlay", "backend");
            await Shell.RunAsync("docker", "service", "create", "--detach", "--no-resolve-image", "--stop-signal", "KILL", "--name", "web",
                "--replicas", "2", "--network", "backend", "--label", "ipvs.web.vip=10.99.0.20:80", "--label", "ipvs.web.network=backend",
                LabDocker.Image, "httpd", "-f", "-p", "80", "-h", "/www");
            await fixture.Agent.EventuallyAsync(async () => (await RootTableAsync()).RealServersOf(swarmWeb).Count() == 2,
                TimeSpan.FromMinutes(10), "two swarm tasks as real servers of 10.99.0.20:80");
            TestContext.Current.SendDiagnosticMessage($"swarm: init + 2-replica service in the kernel after {clock.Elapsed.TotalSeconds:0} s");

            clock.Restart();
            await Shell.RunAsync("docker", "service", "scale", "--detach", "web=3");
            await fixture.Agent.EventuallyAsync(async () => (await RootTableAsync()).RealServersOf(swarmWeb).Count() == 3,
                TimeSpan.FromMinutes(10), "three swarm tasks as real servers of 10.99.0.20:80");
            TestContext.Current.SendDiagnosticMessage($"swarm: scaled to 3 in the kernel after {clock.Elapsed.TotalSeconds:0} s");
            Assert.All((await RootTableAsync()).RealServersOf(swarmWeb), server => Assert.Equal(ForwardingMethod.Masquerade, server.Method));
        }
        finally
        {
            await CleanUpAsync("docker", "swarm", "leave", "--force");
            await CleanUpAsync("ip", "link", "delete", "swarm0");
        }
    }

    /// <summary>Answers each datagram on port 53 with "pong".</summary>
    private const string UdpEchoServer = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 53))
        print("ready", flush=True)
        while True:
            data, peer = s.recvfrom(100)
            s.sendto(b"pong", peer)
        """;

    /// <summary>Best-effort cleanup: a failure here must not hide the test's own.</summary>
    private static async Task CleanUpAsync(string program, params string[] arguments)
    {
        try
        {
            await Shell.RunAsync(program, arguments);
        }
        catch (InvalidOperationException error)
        {
            TestContext.Current.SendDiagnosticMessage($"cleanup: {error.Message}");
        }
    }

    private static Process StartInNetworkNamespaceOf(int pid, params string[] command)
    {
        var start = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-t", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", .. command])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("nsenter did not start");
    }

    private void SkipWithoutDocker()
    {
        if (!LabDocker.Available)
        {
            Assert.Skip($"{LabDocker.Socket} is absent: no Docker engine here (run inside vagrant/lab/run --docker)");
        }

        Assert.False(fixture.Agent.HasExited, $"the agent exited:\n{fixture.Agent.Output}");
    }

    private async Task<string?> HealthAsync(string name) => (await fixture.Docker.InspectAsync(name, Cancel)).State?.Health?.Status;

    private async Task<bool> PingAsync()
    {
        try
        {
            await fixture.Docker.Client.System.PingAsync(Cancel);
            return true;
        }
        catch (Exception error) when (error is HttpRequestException or global::Docker.DotNet.DockerApiException or IOException)
        {
            return false;
        }
    }

    private async Task<HashSet<NetAddress>> RunningAddressesAsync(string label)
    {
        IList<ContainerListResponse> running = await fixture.Docker.Client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
            },
            Cancel);
        return [.. running
            .Select(container => container.NetworkSettings?.Networks is { } networks && networks.TryGetValue("bridge", out EndpointSettings? bridge) ? bridge.IPAddress : null)
            .Where(address => !string.IsNullOrEmpty(address))
            .Select(address => NetAddress.Parse(address!))];
    }

    /// <summary>GETs until a body starts with <paramref name="prefix"/> (the scheduler may pick other servers first).</summary>
    private static async Task<string> GetUntilAsync(string url, string prefix, int refusedRetries = 0)
    {
        string body = string.Empty;
        for (int request = 0; request < 20 && !body.StartsWith(prefix, StringComparison.Ordinal); request++)
        {
            body = await GetAsync(url, refusedRetries);
        }

        return body;
    }

    private static bool SameTable(IpvsadmTable left, IpvsadmTable right) =>
        left.Services.OrderBy(service => service.Key.ToString(), StringComparer.Ordinal).SequenceEqual(right.Services.OrderBy(service => service.Key.ToString(), StringComparer.Ordinal))
        && left.RealServers.OrderBy(Text, StringComparer.Ordinal).SequenceEqual(right.RealServers.OrderBy(Text, StringComparer.Ordinal));

    private static string Text(IpvsadmRealServer server) => $"{server.Service} {server.Server}";

    private static async Task<List<IpvsadmTable>> SampleRootTableAsync(CancellationToken stop)
    {
        var samples = new List<IpvsadmTable>();
        while (!stop.IsCancellationRequested)
        {
            samples.Add(await RootTableAsync());
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples;
    }
}
