using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Ipvs.Core.Desired;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Docker.Tests.Discovery;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests.Source;

/// <summary>
/// <see cref="DockerEngineApi"/> on a swarm worker with <c>swarmManager</c> set (issue #5): two fake engines on unix
/// sockets, a worker with a labelled local container and the manager of the swarm captured in the lab
/// (Fixtures/swarm), each recording what it was asked.
/// </summary>
public sealed class DockerEngineApiWorkerTests : IDisposable
{
    /// <summary>The captured bridge container, relabelled so its virtual service does not collide with the swarm's <c>web</c>.</summary>
    private static readonly JsonObject _container = Relabel(Fixture("web-bridge.json"), new JsonObject { ["ipvs.api.vip"] = "10.99.0.40:80" });
    private static readonly string _containerId = _container["Id"]!.GetValue<string>();

    private static readonly string[] _swarmPaths = ["/services", "/tasks", "/nodes"];
    private static readonly string[] _expectedDeclarations =
    [
        "api TCP 10.99.0.40:80 -> 172.17.0.3:80",
        "hostpub TCP 10.99.0.30:80 -> 192.168.77.1:31080",
        "pub TCP 10.99.0.20:80 -> 192.168.77.1:30080",
        "web TCP 10.99.0.10:80 -> 10.0.1.3:80, 10.0.1.4:80",
    ];

    private readonly DirectoryInfo _sockets = Directory.CreateTempSubdirectory("ipvs-worker-");

    public void Dispose() => _sockets.Delete(recursive: true);

    [Fact]
    public async Task ListAsync_WorkerWithSwarmManager_ReadsContainersFromTheWorkerAndTheSwarmFromTheManager()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine manager = StartManager();
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);

        await api.ListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["GET /containers/json", $"GET /containers/{_containerId}/json"], worker.Requests.Select(request => request.ToString()));
        Assert.Equal(["GET /services", "GET /tasks", "GET /nodes"], manager.Requests.Select(request => request.ToString()));
        Assert.Equal("all=1&filters={\"status\":{\"running\":true,\"paused\":true}}", worker.Requests[0].Query);
        Assert.Equal("filters={\"desired-state\":{\"running\":true}}", manager.Requests[1].Query);
    }

    [Fact]
    public async Task ListAsync_WorkerWithSwarmManager_DeclaresTheLocalContainerAndTheSwarmServicesTasks()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine manager = StartManager();
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);

        DockerInventory inventory = await api.ListAsync(TestContext.Current.CancellationToken);
        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(inventory, new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed));

        Assert.Equal(_containerId, Assert.Single(inventory.Containers).ID);
        Assert.NotNull(inventory.Swarm);
        Assert.Empty(declarations.Errors);
        Assert.Empty(declarations.Conflicts);
        Assert.Equal(_expectedDeclarations, Describe(declarations));
        Assert.Equal(DesiredSourceKind.Container, Assert.Single(declarations.Services, service => service.ServiceName == "api").Source.Kind);
    }

    [Fact]
    public async Task ListAsync_Relist_ReinspectsNothingUnchangedAndReadsTheSwarmFromTheManagerAgain()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine manager = StartManager();
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);

        await api.ListAsync(TestContext.Current.CancellationToken);
        int workerBefore = worker.Requests.Count;
        int managerBefore = manager.Requests.Count;
        DockerInventory relisted = await api.ListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["GET /containers/json"], worker.Requests.Skip(workerBefore).Select(request => request.ToString()));
        Assert.Equal(["GET /services", "GET /tasks", "GET /nodes"], manager.Requests.Skip(managerBefore).Select(request => request.ToString()));
        Assert.Equal(_expectedDeclarations, Describe(DockerDeclarationsBuilder.Build(relisted, new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed))));
    }

    [Fact]
    public async Task InspectContainerAsync_WorkerWithSwarmManager_AsksOnlyTheWorker()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine manager = StartManager();
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);

        ContainerInspectResponse? inspected = await api.InspectContainerAsync(_containerId, TestContext.Current.CancellationToken);

        IDictionary<string, string>? labels = inspected?.Config?.Labels;
        Assert.NotNull(labels);
        Assert.Equal("10.99.0.40:80", labels["ipvs.api.vip"]);
        Assert.Equal([$"GET /containers/{_containerId}/json"], worker.Requests.Select(request => request.ToString()));
        Assert.Empty(manager.Requests);
    }

    [Fact]
    public async Task DockerSource_WorkerWithSwarmManager_WatchesTheWorkerAndPublishesBothKinds()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine manager = StartManager();
        await RunSourceAsync(worker, manager, async source =>
        {
            await Eventually.TrueAsync(
                () => source.Connection.Status == DockerConnectionStatus.Connected && worker.Requests.Any(request => request.Path == "/events"),
                "the source is connected and watching");

            Assert.Equal(_expectedDeclarations, Describe(source.Current!.Declarations));
            Assert.Equal(
                [$"GET /containers/{_containerId}/json", "GET /containers/json", "GET /events"],
                worker.Requests.Select(request => request.ToString()).Order(StringComparer.Ordinal));
            Assert.Contains("\"type\":{", Assert.Single(worker.Requests, request => request.Path == "/events").Query, StringComparison.Ordinal);
            await Eventually.TrueAsync(() => manager.Requests.Any(request => request.Path == "/events"), "the manager's events are followed");
            Assert.Equal(["GET /events", "GET /nodes", "GET /services", "GET /tasks"], manager.Requests.Select(request => request.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal("filters={\"type\":{\"service\":true,\"node\":true}}", Assert.Single(manager.Requests, request => request.Path == "/events").Query);
        });
    }

    [Fact]
    public async Task DockerSource_ManagerReportsAServiceUpdate_WorkerRelistsTheSwarmAtOnce()
    {
        await using FakeDockerEngine worker = StartWorker();
        var routes = new Dictionary<string, FakeDockerResponse>(ManagerRoutes())
        {
            ["GET /events"] = new(200, """{"Type":"service","Action":"update","Actor":{"ID":"k3t9wq0x1y2z3a4b5c6d7e8f9","Attributes":{"name":"web"}},"scope":"swarm","time":1795614300,"timeNano":1795614300000000000}""" + "\n", Streams: true),
        };
        await using FakeDockerEngine manager = FakeDockerEngine.Start(Path.Combine(_sockets.FullName, "manager.sock"), routes);
        await RunSourceAsync(worker, manager, async source =>
        {
            await Eventually.TrueAsync(
                () => manager.Requests.Count(request => request.Path == "/tasks") >= 2,
                "the manager's service event makes the worker list the swarm again");

            Assert.Equal(1, worker.Requests.Count(request => request.Path == "/events"));
            Assert.Equal(DockerConnectionStatus.Connected, source.Connection.Status);
        });
    }

    /// <summary>A <see cref="DockerSource"/> on the worker with the manager (no periodic relist within a test), running while <paramref name="test"/> runs.</summary>
    private static async Task RunSourceAsync(FakeDockerEngine worker, FakeDockerEngine manager, Func<DockerSource, Task> test)
    {
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);
        var source = new DockerSource(
            api,
            new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed),
            DockerSourceOptions.Default with { RelistInterval = TimeSpan.FromHours(1) },
            TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task run = source.RunAsync(stop.Token);
        try
        {
            await test(source);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task ListAsync_WorkerWithoutSwarmManager_DeclaresTheContainerOnly()
    {
        await using FakeDockerEngine worker = StartWorker();
        using var api = new DockerEngineApi(worker.Endpoint);

        DockerInventory inventory = await api.ListAsync(TestContext.Current.CancellationToken);

        Assert.Null(inventory.Swarm);
        Assert.Equal(["api TCP 10.99.0.40:80 -> 172.17.0.3:80"], Describe(DockerDeclarationsBuilder.Build(inventory, new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed))));
        Assert.Equal("GET /services", worker.Requests[^1].ToString());
    }

    [Fact]
    public async Task ListAsync_SwarmManagerUnreachable_ThrowsNamingTheManager()
    {
        await using FakeDockerEngine worker = StartWorker();
        var absent = new Uri($"unix://{Path.Combine(_sockets.FullName, "absent.sock")}");
        using var api = new DockerEngineApi(worker.Endpoint, absent);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith($"Swarm manager at {absent} is unreachable: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(worker.Requests, request => _swarmPaths.Contains(request.Path));
    }

    [Fact]
    public async Task ListAsync_SwarmManagerIsAWorker_ThrowsSayingItIsNotAManager()
    {
        await using FakeDockerEngine worker = StartWorker();
        await using FakeDockerEngine otherWorker = StartWorker("other-worker.sock");
        using var api = new DockerEngineApi(worker.Endpoint, otherWorker.Endpoint);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(TestContext.Current.CancellationToken));

        Assert.Equal($"swarmManager {otherWorker.Endpoint} is not a swarm manager (it answered 503); services are not read", error.Message);
        Assert.Equal(["GET /services"], otherWorker.Requests.Select(request => request.ToString()));
    }

    [Fact]
    public async Task ListAsync_SwarmManagerAnswersAnError_ThrowsNamingTheManagerAndItsMessage()
    {
        await using FakeDockerEngine worker = StartWorker();
        var routes = new Dictionary<string, FakeDockerResponse>(ManagerRoutes())
        {
            ["GET /tasks"] = new(500, """{"message":"rpc error: code = Unknown desc = raft: no elected cluster leader"}"""),
        };
        await using FakeDockerEngine manager = FakeDockerEngine.Start(Path.Combine(_sockets.FullName, "manager.sock"), routes);
        using var api = new DockerEngineApi(worker.Endpoint, manager.Endpoint);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"Swarm manager at {manager.Endpoint} ", error.Message, StringComparison.Ordinal);
        Assert.Contains("raft: no elected cluster leader", error.Message, StringComparison.Ordinal);
        Assert.Contains("answered 500", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unreachable", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A worker node: in the swarm but no manager, so swarm requests get dockerd's 503; one labelled local container.</summary>
    private FakeDockerEngine StartWorker(string socket = "worker.sock") =>
        FakeDockerEngine.Start(Path.Combine(_sockets.FullName, socket), new Dictionary<string, FakeDockerResponse>
        {
            ["GET /info"] = FakeDockerResponse.Json(Info(nodeId: "w4rk3r0n0d3xxxxxxxxxxxxxx", controlAvailable: false)),
            ["GET /containers/json"] = FakeDockerResponse.Json(new JsonArray(ListEntry(_container)).ToJsonString()),
            [$"GET /containers/{_containerId}/json"] = FakeDockerResponse.Json(_container.ToJsonString()),
            ["GET /services"] = FakeDockerResponse.NotASwarmManager,
            ["GET /tasks"] = FakeDockerResponse.NotASwarmManager,
            ["GET /nodes"] = FakeDockerResponse.NotASwarmManager,
            ["GET /events"] = FakeDockerResponse.OpenStream,
        });

    /// <summary>The manager of the captured one-node swarm; its own containers are none of the worker's business.</summary>
    private FakeDockerEngine StartManager() => FakeDockerEngine.Start(Path.Combine(_sockets.FullName, "manager.sock"), ManagerRoutes());

    private static Dictionary<string, FakeDockerResponse> ManagerRoutes() => new()
    {
        ["GET /info"] = FakeDockerResponse.Json(Info(nodeId: "s0y61fea42wlh8p5y76ts10ac", controlAvailable: true)),
        ["GET /containers/json"] = FakeDockerResponse.Json("[]"),
        ["GET /services"] = FakeDockerResponse.Json(FixtureText("swarm/services.json")),
        ["GET /tasks"] = FakeDockerResponse.Json(FixtureText("swarm/tasks.json")),
        ["GET /nodes"] = FakeDockerResponse.Json(FixtureText("swarm/nodes.json")),
        ["GET /events"] = FakeDockerResponse.OpenStream,
    };

    /// <summary>The swarm part of <c>/info</c> as dockerd 20.10 reports it; a worker has <c>ControlAvailable</c> false.</summary>
    private static string Info(string nodeId, bool controlAvailable) => new JsonObject
    {
        ["ID"] = "LAB0:ENGINE",
        ["Name"] = "lab",
        ["ServerVersion"] = "20.10.24+dfsg1",
        ["Swarm"] = new JsonObject
        {
            ["NodeID"] = nodeId,
            ["NodeAddr"] = "192.168.77.1",
            ["LocalNodeState"] = "active",
            ["ControlAvailable"] = controlAvailable,
            ["Error"] = string.Empty,
            ["RemoteManagers"] = new JsonArray(new JsonObject { ["NodeID"] = "s0y61fea42wlh8p5y76ts10ac", ["Addr"] = "192.168.77.1:2377" }),
        },
    }.ToJsonString();

    /// <summary>The <c>/containers/json</c> entry dockerd lists for an inspected container.</summary>
    private static JsonObject ListEntry(JsonObject inspect) => new()
    {
        ["Id"] = inspect["Id"]!.DeepClone(),
        ["Names"] = new JsonArray(inspect["Name"]!.DeepClone()),
        ["Image"] = inspect["Config"]!["Image"]!.DeepClone(),
        ["ImageID"] = inspect["Image"]!.DeepClone(),
        ["Command"] = "httpd -f -p 80 -h /www",
        ["Created"] = 1795614188,
        ["Ports"] = new JsonArray(),
        ["Labels"] = inspect["Config"]!["Labels"]!.DeepClone(),
        ["State"] = "running",
        ["Status"] = "Up 2 minutes",
        ["HostConfig"] = new JsonObject { ["NetworkMode"] = "default" },
        ["NetworkSettings"] = new JsonObject { ["Networks"] = inspect["NetworkSettings"]!["Networks"]!.DeepClone() },
        ["Mounts"] = new JsonArray(),
    };

    private static JsonObject Relabel(JsonObject inspect, JsonObject labels)
    {
        inspect["Config"]!["Labels"] = labels;
        return inspect;
    }

    private static JsonObject Fixture(string file) => JsonNode.Parse(FixtureText(file))!.AsObject();

    private static string FixtureText(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", file));

    private static IEnumerable<string> Describe(DockerDeclarations declarations) =>
        declarations.Services
            .Select(service => $"{service.ServiceName} {service.Service.Key} -> {string.Join(", ", service.RealServers.Select(server => server.Server.Key.ToString()).Order(StringComparer.Ordinal))}")
            .Order(StringComparer.Ordinal);
}
