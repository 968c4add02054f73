using System.Net;
using System.Net.Sockets;
using Docker.DotNet.Models;
using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Docker.Support;

/// <summary>
/// One agent in the guest's root network namespace (where docker0 and the containers' routes are, so traffic through
/// a VIP on its <c>ipvs0</c> reaches them), fed by the lab's dockerd, and every labelled container the scenarios need,
/// started up front: each <c>docker run</c> costs 7-24 s in the guest, so they share one boot and one start.
/// </summary>
/// <remarks>
/// A few starts at a time, each with its own deadline sized for a loaded host: the guest has one CPU, and on a busy
/// host nine starts at once took over 100 s for one of them. A start that still fails is recorded with what the lab
/// was doing; only the tests that use that container fail, with that reason (<see cref="LabDocker.RecordStartFailure"/>).
/// </remarks>
public sealed class DockerAgentFixture : IAsyncLifetime
{
    /// <summary>The root namespace under a name, so <c>ip netns exec</c> (and <see cref="AgentProcess"/>) can enter it.</summary>
    public const string RootNamespace = "ipvs-lab-root";
    public const string Ipv6Network = "v6net";
    public const string Ipv6Subnet = "fd00:99::/64";

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-docker-lab-").FullName;
    private AgentProcess? _agent;
    private LabDocker? _docker;
    private System.Diagnostics.Process? _upstream;

    /// <summary>The containers and what they declare; names are unique in the guest.</summary>
    internal static readonly LabContainer[] Containers =
    [
        .. new[] { "web1", "web2", "web3" }.Select(name => new LabContainer(name, Labels(("ipvs.web.vip", "10.99.0.10:80")), RestartAlways: true)),
        .. new[] { "churn1", "churn2" }.Select(name => new LabContainer(name, Labels(("ipvs.churn.vip", "10.99.0.12:80")))),
        new LabContainer("hc-sick", Labels(("ipvs.hc.vip", "10.99.0.11:80")), HealthTest: "false"),
        // Healthy only while /tmp/healthy exists, which the test creates; failures in the long start period keep it "starting".
        new LabContainer("hc-ok", Labels(("ipvs.hc.vip", "10.99.0.11:80")), HealthTest: "test -e /tmp/healthy", HealthStartPeriod: TimeSpan.FromMinutes(30)),
        .. new[] { "rel1", "rel2" }.Select(name => new LabContainer(name, Labels(("ipvs.rel.vip", "10.99.0.13:80")))),
        new LabContainer("bad", Labels(("ipvs.web.vip", "10.99.0.10:80"), ("ipvs.web.weight", "heavy"))),
        // No Docker healthcheck: the agent checks it by its labels (issue 14). httpd runs in the background, not as PID 1,
        // so that a test can stop and start it with docker exec while the container keeps running.
        new LabContainer("hc-label", Labels(("ipvs.hl.vip", "10.99.0.15:80"), ("ipvs.hl.check", "http:/"), ("ipvs.hl.check-interval", "1s"),
            ("ipvs.hl.check-timeout", "500ms"), ("ipvs.hl.check-fall", "2"), ("ipvs.hl.check-rise", "2")),
            Command: "echo hc-label > /www/index.html && httpd -p 80 -h /www && exec sleep 2147483647"),
        // busybox-static has no UDP server applet: the test runs one in this container's network namespace.
        new LabContainer("udp1", Labels(("ipvs.dns.vip", "10.99.0.14:53"), ("ipvs.dns.protocol", "udp"))),
    ];

    internal static readonly LabContainer Ipv6Container = new("v6web", Labels(("ipvs.web6.vip", "[fd00:99:ff::10]:80")), Network: Ipv6Network);

    /// <summary>Started by the DNS step itself, after its first answers: a service whose name did not exist before.</summary>
    internal static readonly LabContainer LateContainer = new("late1", Labels(("ipvs.late.vip", "10.99.0.16:80")));

    /// <summary>The run flags every agent of these tests gets (plus its own <c>--state-dir</c>).</summary>
    internal static readonly string[] AgentFlags =
    [
        "--allowed-vip-cidr", "10.99.0.0/16", "--allowed-vip-cidr", "fd00:99:ff::/64",
        "--resync-interval", "2s", "--drain-timeout", "8s", "--metrics-address", "off",
    ];

    /// <summary>
    /// The root agent's DNS responder, on the default bridge's gateway so that containers reach it; names outside its
    /// zone go to dnsmasq in the guest (<see cref="LabDnsmasq"/>).
    /// </summary>
    internal const string BridgeGateway = "172.17.0.1";

    private static readonly string[] DnsFlags = ["--dns-address", $"{BridgeGateway}:53", "--dns-upstream", LabDnsmasq.Address];

    /// <summary>The root agent's flags: a one-shot verb given them sees what the daemon sees (its state, its DNS zone).</summary>
    internal string[] DaemonFlags => [.. AgentFlags, "--state-dir", Path.Combine(_directory, "root-state"), .. DnsFlags];

    internal LabDocker Docker => _docker ?? throw new InvalidOperationException("no Docker engine: the fixture did not start");

    internal AgentProcess Agent => _agent ?? throw new InvalidOperationException("no agent: the fixture did not start");

    /// <summary>Why the IPv6 network could not be created, or null when it was.</summary>
    internal string? Ipv6Unavailable { get; private set; }

    /// <summary>Containers started at once: enough to overlap dockerd's waits, few enough that none starves on the one CPU.</summary>
    private const int ConcurrentStarts = 3;

    /// <summary>Seconds the containers took to start (for the report).</summary>
    internal double ContainerStartSeconds { get; private set; }

    internal string WorkDirectory => _directory;

    public async ValueTask InitializeAsync()
    {
        if (!LabDocker.Available)
        {
            return;
        }

        CancellationToken cancel = TestContext.Current.CancellationToken;
        _docker = new LabDocker();
        await Shell.RunAsync("ip", "netns", "attach", RootNamespace, "1");
        _upstream = LabDnsmasq.Start(RootNamespace);
        _agent = AgentProcess.Start(RootNamespace, DaemonFlags);
        await _agent.EventuallyAsync(() => Task.FromResult(_agent.Output.Contains("ipvs-agent running", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(180), "the agent start");

        Ipv6Unavailable = await CreateIpv6NetworkAsync(cancel);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IEnumerable<LabContainer> wanted = Ipv6Unavailable is null ? [.. Containers, Ipv6Container] : Containers;
        using var gate = new SemaphoreSlim(ConcurrentStarts);
        string[] failures = [.. (await Task.WhenAll(wanted.Select(container => StartAsync(container, gate, cancel)))).OfType<string>()];
        ContainerStartSeconds = clock.Elapsed.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage($"{wanted.Count() - failures.Length} of {wanted.Count()} containers started in {ContainerStartSeconds:0.0} s");
        foreach (string failure in failures)
        {
            TestContext.Current.SendDiagnosticMessage(failure);
        }
    }

    /// <summary>Starts one container within <see cref="LabDocker.StartDeadline"/>; null when it runs, else why not (also recorded).</summary>
    private async Task<string?> StartAsync(LabContainer container, SemaphoreSlim gate, CancellationToken cancel)
    {
        await gate.WaitAsync(cancel);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Docker.RunAsync(container, cancel);
            return null;
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            string reason = $"docker run of {container.Name} failed after {clock.Elapsed.TotalSeconds:0.0} s ({error.Message}); "
                + $"load average {LoadAverage()}; {await Docker.DescribeContainersAsync()}";
            Docker.RecordStartFailure(container.Name, reason);
            return reason;
        }
        finally
        {
            gate.Release();
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException error)
        {
            return $"unknown ({error.Message})";
        }
    }

    /// <summary>The root namespace's IPVS table (what the fixture's agent manages).</summary>
    internal static async Task<IpvsadmTable> RootTableAsync() => IpvsadmTable.Parse(await Shell.RunAsync("ipvsadm", "-Sn"));

    internal static VirtualServiceKey Tcp(string address, ushort port) => VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse(address), port);

    internal static VirtualServiceKey Udp(string address, ushort port) => VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse(address), port);

    /// <summary>The real server a container contributes to <paramref name="service"/>, if the table has it.</summary>
    internal static RealServer? ServerOf(IpvsadmTable table, VirtualServiceKey service, string address) =>
        table.RealServersOf(service).Where(server => server.Address == NetAddress.Parse(address)).Select(server => (RealServer?)server).FirstOrDefault();

    internal static HashSet<NetAddress> AddressesOf(IpvsadmTable table, VirtualServiceKey service) =>
        [.. table.RealServersOf(service).Select(server => server.Address)];

    /// <summary>
    /// One HTTP GET with a fresh connection (so that each one is scheduled anew); returns the body. A container without a
    /// healthcheck joins as soon as it runs, and busybox httpd may bind its port a moment later on the lab's slow CPU:
    /// right after a container started, pass <paramref name="refusedRetries"/> to retry a refused connection.
    /// </summary>
    internal static async Task<string> GetAsync(string url, int refusedRetries = 0)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await GetOnceAsync(url);
            }
            catch (HttpRequestException error) when (attempt < refusedRetries && error.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task<string> GetOnceAsync(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Trim()
            : throw new HttpRequestException($"GET {url}: {(int)response.StatusCode}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        if (_upstream is not null)
        {
            _upstream.Kill();
            _upstream.Dispose();
        }

        if (_docker is not null)
        {
            foreach (LabContainer container in Containers.Append(Ipv6Container).Append(LateContainer))
            {
                await _docker.RemoveAsync(container.Name, CancellationToken.None);
            }

            _docker.Dispose();
            await Shell.RunAsync("ip", "netns", "delete", RootNamespace);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string?> CreateIpv6NetworkAsync(CancellationToken cancel)
    {
        try
        {
            await Docker.Client.Networks.CreateNetworkAsync(
                new NetworksCreateParameters
                {
                    Name = Ipv6Network,
                    Driver = "bridge",
                    EnableIPv6 = true,
                    IPAM = new IPAM { Config = [new IPAMConfig { Subnet = Ipv6Subnet }] },
                },
                cancel);
            return null;
        }
        catch (global::Docker.DotNet.DockerApiException error)
        {
            return $"dockerd refused 'docker network create --ipv6 --subnet {Ipv6Subnet} {Ipv6Network}': {error.Message}";
        }
    }

    private static Dictionary<string, string> Labels(params (string Name, string Value)[] labels) =>
        labels.ToDictionary(label => label.Name, label => label.Value);
}
