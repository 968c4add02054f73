using Docker.DotNet;
using Docker.DotNet.Models;
using Ipvs.Core.Ownership;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;

namespace Ipvs.Docker.Tests.Source;

/// <summary>
/// <see cref="DockerSource"/> on <see cref="DockerEngineApi"/> against a real dockerd. Runs only in the lab:
/// <c>vagrant/lab/run --docker -- dotnet Ipvs.Docker.Tests.dll -trait Category=LabDocker</c>.
/// </summary>
[Trait("Category", "LabDocker")]
public sealed class DockerEngineApiLabTests
{
    private const string Socket = "/run/docker.sock";

    /// <summary>
    /// Longer than the client's default (100 s): one container start in the lab's one-CPU guest takes 7-24 s on a quiet
    /// host and has taken over 100 s on a busy one.
    /// </summary>
    private static readonly TimeSpan LabRequestTimeout = TimeSpan.FromMinutes(5);
    private const string Image = "ipvs-lab/busybox";
    private static readonly string[] _names = ["ipvs-lab-web1", "ipvs-lab-web2", "ipvs-lab-web3"];

    [Fact]
    public async Task DockerSource_ThreeLabelledContainers_ThenOneStopped_FollowsByEvents()
    {
        if (!File.Exists(Socket))
        {
            Assert.Skip($"{Socket} is absent: no Docker engine here (run inside vagrant/lab/run --docker)");
        }

        CancellationToken cancel = TestContext.Current.CancellationToken;
        Uri endpoint = DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable("DOCKER_HOST"));
        using DockerClient docker = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(LabRequestTimeout).Build();
        await RemoveAsync(docker, cancel);
        using var api = new DockerEngineApi(endpoint);

        // Only events can trigger a relist within the test: the periodic one is far away.
        var options = DockerSourceOptions.Default with { RelistInterval = TimeSpan.FromHours(1) };
        var source = new DockerSource(api, new DiscoveryOptions(new OwnershipPolicy([AddressBlock.Parse("10.99.0.0/16")], [])), options, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Task run = source.RunAsync(stop.Token);
        try
        {
            await WaitAsync(() => source.Connection.Status == DockerConnectionStatus.Connected, TimeSpan.FromSeconds(60), source, "connected");
            Assert.Empty(source.Current!.Declarations.Services);

            foreach (string name in _names)
            {
                CreateContainerResponse created = await docker.Containers.CreateContainerAsync(
                    new CreateContainerParameters
                    {
                        Name = name,
                        Image = Image,
                        Cmd = ["httpd", "-f", "-p", "80", "-h", "/www"],
                        StopSignal = "KILL",
                        Labels = new Dictionary<string, string> { ["ipvs.web.vip"] = "10.99.0.10:80" },
                    },
                    cancel);
                await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancel);
            }

            await WaitAsync(() => ServerCount(source) == 3, TimeSpan.FromSeconds(120), source, "three real servers");
            long revision = source.Current!.Revision;

            // Each start was served by the inspect its network connect event started, not by one of its own.
            Assert.Equal(3, source.EarlyAnswersUsed);

            await docker.Containers.KillContainerAsync(_names[1], new ContainerKillParameters(), cancel);

            await WaitAsync(() => ServerCount(source) == 2, TimeSpan.FromSeconds(60), source, "two real servers");
            Assert.True(source.Current!.Revision > revision);
            Assert.DoesNotContain(source.Current.Declarations.Services, service => service.Source.Name == _names[1]);
            Assert.Empty(source.Current.Declarations.Errors);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await RemoveAsync(docker, CancellationToken.None);
        }
    }

    [Fact]
    public async Task DockerSource_QuietEngine_KeepsTheEventStreamPastTheHttpClientTimeout()
    {
        if (!File.Exists(Socket))
        {
            Assert.Skip($"{Socket} is absent: no Docker engine here (run inside vagrant/lab/run --docker)");
        }

        Uri endpoint = DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable("DOCKER_HOST"));
        using var api = new DockerEngineApi(endpoint);
        var options = DockerSourceOptions.Default with { RelistInterval = TimeSpan.FromHours(1) };
        var source = new DockerSource(api, new DiscoveryOptions(new OwnershipPolicy([], [])), options, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task run = source.RunAsync(stop.Token);
        try
        {
            await WaitAsync(() => source.Connection.Status == DockerConnectionStatus.Connected, TimeSpan.FromSeconds(60), source, "connected");

            // HttpClient's default timeout is 100 s; an event stream cut by it would show as a reconnection.
            await Task.Delay(TimeSpan.FromSeconds(110), TestContext.Current.CancellationToken);

            Assert.Equal(DockerConnectionStatus.Connected, source.Connection.Status);
            Assert.Null(source.Connection.LastError);
            Assert.Equal(1, source.Relists);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    /// <summary>Needs a swarm manager with a labelled service: Fixtures/lab-swarm.sh sets one up and runs this test.</summary>
    [Fact]
    public async Task ListAsync_SwarmManager_DeclaresTheServicesRunningTasks()
    {
        if (!File.Exists(Socket))
        {
            Assert.Skip($"{Socket} is absent: no Docker engine here (run inside vagrant/lab/run --docker)");
        }

        CancellationToken cancel = TestContext.Current.CancellationToken;
        Uri endpoint = DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable("DOCKER_HOST"));
        using DockerClient docker = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(LabRequestTimeout).Build();
        if ((await docker.System.GetSystemInfoAsync(cancel)).Swarm?.LocalNodeState != "active")
        {
            Assert.Skip("this engine is not in a swarm (run Fixtures/lab-swarm.sh inside vagrant/lab/run --docker)");
        }

        using var api = new DockerEngineApi(endpoint);
        DockerInventory inventory = await api.ListAsync(cancel);
        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(
            inventory, new DiscoveryOptions(new OwnershipPolicy([AddressBlock.Parse("10.99.0.0/16")], [])));

        Assert.NotNull(inventory.Swarm);
        Assert.Empty(declarations.Errors);
        DockerServiceDeclaration web = Assert.Single(declarations.Services);
        Assert.Equal("web", web.Source.Name);
        Assert.Equal(2, web.RealServers.Count);
    }

    private static int ServerCount(DockerSource source) =>
        source.Current?.Declarations.Services.Sum(service => service.RealServers.Count) ?? 0;

    private static async Task WaitAsync(Func<bool> condition, TimeSpan limit, DockerSource source, string what)
    {
        DateTime giveUp = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                Assert.Fail($"no {what} within {limit}; connection {source.Connection}, relists {source.Relists}, snapshot {source.Current?.Revision}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task RemoveAsync(DockerClient docker, CancellationToken cancel)
    {
        foreach (string name in _names)
        {
            try
            {
                await docker.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, cancel);
            }
            catch (DockerContainerNotFoundException)
            {
                // Not there: nothing to clean.
            }
        }
    }
}
