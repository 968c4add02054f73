using Docker.DotNet;
using Docker.DotNet.Models;
using Ipvs.Docker;

namespace Ipvs.Integration.Tests.Docker.Support;

/// <summary>What one test container looks like: an <c>ipvs-lab/busybox</c> httpd that serves its own name.</summary>
/// <param name="Name">Container name, also its hostname and the body it serves.</param>
/// <param name="Labels">Its labels (the <c>ipvs.*</c> ones under test).</param>
/// <param name="Network">The network to attach it to; null for the default bridge.</param>
/// <param name="HealthTest">A healthcheck command (run by <c>sh -c</c>, every second, one retry), or null for none.</param>
/// <param name="HealthStartPeriod">How long failed checks leave it "starting" rather than "unhealthy".</param>
/// <param name="Command">The shell command it runs; null for the httpd that serves its name.</param>
/// <param name="RestartAlways">Restart policy <c>always</c>, so that it survives a dockerd restart.</param>
internal sealed record LabContainer(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    string? Network = null,
    string? HealthTest = null,
    TimeSpan HealthStartPeriod = default,
    string? Command = null,
    bool RestartAlways = false);

/// <summary>
/// The lab's dockerd through its Engine API: cheaper than the docker CLI (1-3 s per call in the guest) and lets
/// containers start concurrently.
/// </summary>
/// <remarks>
/// Requests have no timeout of the client's own (its default, 100 s, is shorter than one container start in a guest
/// on a loaded host): every wait is the caller's, sized from what the lab does under load, and named when it passes.
/// </remarks>
internal sealed class LabDocker : IDisposable
{
    public const string Socket = "/run/docker.sock";
    public const string Image = "ipvs-lab/busybox";

    private readonly Dictionary<string, string> _startFailures = [];

    public LabDocker() =>
        Client = new DockerClientBuilder()
            .WithEndpoint(DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable("DOCKER_HOST")))
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .Build();

    public static bool Available => File.Exists(Socket);

    public DockerClient Client { get; }

    /// <summary>
    /// Records that <paramref name="name"/> could not be started and why, so that the tests that need it fail with that
    /// reason (every call below that names it throws it) while the other tests run.
    /// </summary>
    public void RecordStartFailure(string name, string reason)
    {
        lock (_startFailures)
        {
            _startFailures[name] = reason;
        }
    }

    private void ThrowIfNotStarted(string name)
    {
        lock (_startFailures)
        {
            if (_startFailures.TryGetValue(name, out string? reason))
            {
                throw new InvalidOperationException($"container {name} was never started, so this test cannot run: {reason}");
            }
        }
    }

    /// <summary>One line per container (name, state, status), as <c>docker ps -a</c> shows them, for failure messages.</summary>
    public async Task<string> DescribeContainersAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            IList<ContainerListResponse> all = await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, timeout.Token);
            return all.Count == 0
                ? "docker ps -a: no containers"
                : "docker ps -a: " + string.Join("; ", all.Select(c => $"{string.Join(",", c.Names).TrimStart('/')} {c.State} ({c.Status})"));
        }
        catch (Exception error) when (error is DockerApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            return $"docker ps -a failed too: {error.Message}";
        }
    }

    /// <summary>One container's start, loaded host included (LAB.md: 7-24 s quiet; over 100 s seen under load).</summary>
    public static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Creates and starts <paramref name="container"/>; a leftover of the same name is removed first. Throws a
    /// <see cref="TimeoutException"/> naming it when that takes longer than <see cref="StartDeadline"/>.
    /// </summary>
    public async Task<string> RunAsync(LabContainer container, CancellationToken cancellationToken)
    {
        lock (_startFailures)
        {
            _startFailures.Remove(container.Name);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartDeadline);
        try
        {
            return await CreateAndStartAsync(container, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"docker run of {container.Name} did not finish within {StartDeadline.TotalSeconds:0} s");
        }
    }

    private async Task<string> CreateAndStartAsync(LabContainer container, CancellationToken cancellationToken)
    {
        await RemoveAsync(container.Name, cancellationToken);
        string command = container.Command ?? $"echo {container.Name} > /www/index.html && exec httpd -f -p 80 -h /www";
        var parameters = new CreateContainerParameters
        {
            Name = container.Name,
            Hostname = container.Name,
            Image = Image,
            Cmd = ["sh", "-c", command],
            StopSignal = "KILL",
            Labels = container.Labels.ToDictionary(),
            HostConfig = new HostConfig
            {
                NetworkMode = container.Network ?? "bridge",
                RestartPolicy = new RestartPolicy { Name = container.RestartAlways ? RestartPolicyKind.Always : RestartPolicyKind.No },
            },
        };
        if (container.HealthTest is { } test)
        {
            parameters.Healthcheck = new HealthcheckConfig
            {
                Test = ["CMD-SHELL", test],
                Interval = TimeSpan.FromSeconds(1),
                // A check that fails does so at once (the test's file is gone); only a check that cannot run in time
                // waits for this. With the host busy, the lab's one CPU took over 5 s to start one: a healthy
                // container turned unhealthy under a test that had just seen it healthy (busy-host run, #11).
                Timeout = TimeSpan.FromSeconds(60),
                Retries = 1,
                StartPeriod = container.HealthStartPeriod,
            };
        }

        CreateContainerResponse created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken);
        await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
        return created.ID;
    }

    public Task<ContainerInspectResponse> InspectAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfNotStarted(name);
        return Client.Containers.InspectContainerAsync(name, cancellationToken);
    }

    /// <summary>The container's address on <paramref name="network"/>: IPv4 unless <paramref name="ipv6"/>.</summary>
    public async Task<string> AddressAsync(string name, CancellationToken cancellationToken, string network = "bridge", bool ipv6 = false)
    {
        ContainerInspectResponse inspect = await InspectAsync(name, cancellationToken);
        EndpointSettings endpoint = inspect.NetworkSettings?.Networks is { } networks && networks.TryGetValue(network, out EndpointSettings? found)
            ? found
            : throw new InvalidOperationException($"container {name} is not on network {network}");
        string address = ipv6 ? endpoint.GlobalIPv6Address : endpoint.IPAddress;
        return string.IsNullOrEmpty(address)
            ? throw new InvalidOperationException($"container {name} has no {(ipv6 ? "IPv6" : "IPv4")} address on network {network}")
            : address;
    }

    public async Task KillAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfNotStarted(name);
        await Client.Containers.KillContainerAsync(name, new ContainerKillParameters(), cancellationToken);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // Not there: nothing to remove.
        }
    }

    /// <summary>Runs <paramref name="command"/> in the container through <c>sh -c</c> and waits for it to finish.</summary>
    public async Task ExecAsync(string name, string command, CancellationToken cancellationToken)
    {
        ThrowIfNotStarted(name);
        ContainerExecCreateResponse exec = await Client.Exec.CreateContainerExecAsync(
            name, new ContainerExecCreateParameters { Cmd = ["sh", "-c", command] }, cancellationToken);
        await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            ContainerExecInspectResponse state = await Client.Exec.InspectContainerExecAsync(exec.ID, cancellationToken);
            if (!state.Running)
            {
                return;
            }

            if (clock.Elapsed > ExecDeadline)
            {
                throw new TimeoutException($"'{command}' in container {name} did not finish within {ExecDeadline.TotalSeconds:0} s "
                    + $"(exec {exec.ID[..12]} still running; load average {File.ReadAllText("/proc/loadavg").Trim()})");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>
    /// One <c>docker exec</c> of a trivial command: under a second on a quiet host, but runc's exec competes for the
    /// guest's one CPU with everything else, and on a busy host it took over 10 s.
    /// </summary>
    public static readonly TimeSpan ExecDeadline = TimeSpan.FromMinutes(2);

    public void Dispose() => Client.Dispose();
}
