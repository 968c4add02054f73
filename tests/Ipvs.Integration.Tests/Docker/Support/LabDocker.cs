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
internal sealed class LabDocker : IDisposable
{
    public const string Socket = "/run/docker.sock";
    public const string Image = "ipvs-lab/busybox";

    public LabDocker() =>
        Client = new DockerClientBuilder().WithEndpoint(DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable("DOCKER_HOST"))).Build();

    public static bool Available => File.Exists(Socket);

    public DockerClient Client { get; }

    /// <summary>Creates and starts <paramref name="container"/>; a leftover of the same name is removed first.</summary>
    public async Task<string> RunAsync(LabContainer container, CancellationToken cancellationToken)
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
                Timeout = TimeSpan.FromSeconds(5),
                Retries = 1,
                StartPeriod = container.HealthStartPeriod,
            };
        }

        CreateContainerResponse created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken);
        await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
        return created.ID;
    }

    public Task<ContainerInspectResponse> InspectAsync(string name, CancellationToken cancellationToken) =>
        Client.Containers.InspectContainerAsync(name, cancellationToken);

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

    public async Task KillAsync(string name, CancellationToken cancellationToken) =>
        await Client.Containers.KillContainerAsync(name, new ContainerKillParameters(), cancellationToken);

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
        ContainerExecCreateResponse exec = await Client.Exec.CreateContainerExecAsync(
            name, new ContainerExecCreateParameters { Cmd = ["sh", "-c", command] }, cancellationToken);
        await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            ContainerExecInspectResponse state = await Client.Exec.InspectContainerExecAsync(exec.ID, cancellationToken);
            if (!state.Running)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"'{command}' in container {name} did not finish within 10 s");
    }

    public void Dispose() => Client.Dispose();
}
