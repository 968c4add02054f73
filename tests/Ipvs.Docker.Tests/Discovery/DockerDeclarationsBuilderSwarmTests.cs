using Docker.DotNet.Models;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests.Discovery;

/// <summary>The builder on swarm services, tasks and nodes, shaped as the Engine API returns them on a manager.</summary>
public sealed class DockerDeclarationsBuilderSwarmTests
{
    private const string ServiceId = "k3t9wq0x1y2z3a4b5c6d7e8f9";

    private static SwarmService Service(Dictionary<string, string> labels, params PortConfig[] ports) => new()
    {
        ID = ServiceId,
        CreatedAt = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc),
        Spec = new ServiceSpec { Name = "web", Labels = labels },
        Endpoint = new Endpoint { Ports = ports },
    };

    private static TaskResponse Task(string id, long slot, string node, TaskState state, params (string Network, string Address)[] attachments) => new()
    {
        ID = id,
        ServiceID = ServiceId,
        Slot = slot,
        NodeID = node,
        DesiredState = TaskState.Running,
        Status = new global::Docker.DotNet.Models.TaskStatus { State = state },
        NetworksAttachments = [.. attachments.Select(attachment => new NetworkAttachment
        {
            Network = new SwarmNetwork { Spec = new NetworkSpec { Name = attachment.Network } },
            Addresses = [attachment.Address],
        })],
    };

    private static NodeListResponse Node(string id, string address) => new() { ID = id, Status = new NodeStatus { Addr = address } };

    private static readonly NodeListResponse[] _nodes = [Node("node1", "192.168.50.11"), Node("node2", "192.168.50.12")];

    private static DockerDeclarations Build(SwarmService service, params TaskResponse[] tasks) =>
        DockerDeclarationsBuilder.Build(new DockerInventory([], new SwarmInventory([service], tasks, _nodes)), new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed));

    [Fact]
    public void Build_ServiceWithCheckLabels_EveryTasksServerCarriesTheCheck()
    {
        DockerDeclarations declarations = Build(
            Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80", ["ipvs.web.check"] = "http:/healthz", ["ipvs.web.check-fall"] = "2" }),
            Task("task-a", 1, "node1", TaskState.Running, ("backend", "10.0.1.5/24")),
            Task("task-b", 2, "node2", TaskState.Running, ("backend", "10.0.1.6/24")));

        HealthCheck expected = HealthCheck.Of(HealthCheckKind.Http) with { Path = "/healthz", Fall = 2 };
        Assert.Empty(declarations.Errors);
        Assert.All(Assert.Single(declarations.Services).RealServers, server => Assert.Equal(expected, server.Check));
        ServiceDeclaration declaration = Assert.Single(declarations.ToServiceDeclarations());
        Assert.Equal(2, declaration.RealServers.Count);
        Assert.All(declaration.RealServers, server => Assert.Equal(expected, declaration.CheckFor(server.Key)));
    }

    [Fact]
    public void Build_ServiceWithBadCheckLabel_ReportsTheSwarmServiceAndLabel()
    {
        DockerDeclarations declarations = Build(
            Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80", ["ipvs.web.check"] = "http", ["ipvs.web.check-status"] = "ok" }),
            Task("task-a", 1, "node1", TaskState.Running, ("backend", "10.0.1.5/24")));

        Assert.Empty(declarations.Services);
        DiscoveryError error = Assert.Single(declarations.Errors);
        Assert.Equal("ipvs.web.check-status", error.Label);
        Assert.EndsWith("label 'ipvs.web.check-status=ok': expected an HTTP status or a range of them, such as 200 or 200-399", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ServiceOnOverlayNetwork_DeclaresEveryRunningTasksAddress()
    {
        DockerDeclarations declarations = Build(
            Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80" }),
            Task("task-a", 1, "node1", TaskState.Running, ("ingress", "10.0.0.5/24"), ("backend", "10.0.1.5/24")),
            Task("task-b", 2, "node2", TaskState.Running, ("ingress", "10.0.0.6/24"), ("backend", "10.0.1.6/24")),
            Task("task-c", 3, "node2", TaskState.Starting, ("backend", "10.0.1.7/24")));

        Assert.Empty(declarations.Errors);
        DockerServiceDeclaration service = Assert.Single(declarations.Services);
        Assert.Equal(DesiredSource.SwarmService(ServiceId, "web"), service.Source);
        Assert.Equal(["10.0.1.5:80", "10.0.1.6:80"], service.RealServers.Select(server => server.Server.Key.ToString()));
        Assert.Equal(DesiredSource.SwarmTask("task-a", "web.1"), service.RealServers[0].Source);
    }

    [Fact]
    public void Build_TaskOnSeveralNetworks_ReportsTheChoicesWithoutIngress()
    {
        DockerDeclarations declarations = Build(
            Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80" }),
            Task("task-a", 1, "node1", TaskState.Running, ("ingress", "10.0.0.5/24"), ("backend", "10.0.1.5/24"), ("frontend", "10.0.2.5/24")));

        Assert.Empty(declarations.Services);
        Assert.Equal(
            "swarm service 'web' (k3t9wq0x1y2z) task task-a: service 'web': the task is on several networks (backend, frontend); choose one with label 'ipvs.web.network'",
            Assert.Single(declarations.Errors).Message);
    }

    [Fact]
    public void Build_IngressPublishedPort_UsesEachTasksNodeAddress()
    {
        DockerDeclarations declarations = Build(
            Service(
                new() { ["ipvs.web.vip"] = "10.99.0.10:80", ["ipvs.web.address"] = "published" },
                new PortConfig { Protocol = "tcp", TargetPort = 80, PublishedPort = 30080, PublishMode = "ingress" }),
            Task("task-a", 1, "node1", TaskState.Running, ("ingress", "10.0.0.5/24")),
            Task("task-b", 2, "node2", TaskState.Running, ("ingress", "10.0.0.6/24")),
            Task("task-c", 3, "node2", TaskState.Running, ("ingress", "10.0.0.7/24")));

        Assert.Empty(declarations.Errors);
        Assert.Equal(
            ["192.168.50.11:30080", "192.168.50.12:30080"],
            Assert.Single(declarations.Services).RealServers.Select(server => server.Server.Key.ToString()));
    }

    [Fact]
    public void Build_HostModePublishedPort_UsesThePortTheTaskGot()
    {
        TaskResponse task = Task("task-a", 1, "node2", TaskState.Running);
        task.Status!.PortStatus = new PortStatus { Ports = [new PortConfig { Protocol = "tcp", TargetPort = 80, PublishedPort = 31555, PublishMode = "host" }] };

        DockerDeclarations declarations = Build(Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80", ["ipvs.web.address"] = "published" }), task);

        Assert.Equal(
            new RealServerKey(NetAddress.Parse("192.168.50.12"), 31555),
            Assert.Single(Assert.Single(declarations.Services).RealServers).Server.Key);
    }

    [Fact]
    public void Build_NoRunningTasks_StillDeclaresTheService()
    {
        DockerDeclarations declarations = Build(Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80" }));

        DockerServiceDeclaration service = Assert.Single(declarations.Services);
        Assert.Equal(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80), service.Service.Key);
        Assert.Empty(service.RealServers);
    }

    [Fact]
    public void Build_CapturedSwarmManager_DeclaresOverlayIngressAndHostModeServices()
    {
        // Services, running tasks and nodes of a one-node swarm in the lab (Fixtures/capture-swarm.sh).
        var swarm = new SwarmInventory(
            DockerFixtures.ReadArray<SwarmService>("swarm/services.json"),
            DockerFixtures.ReadArray<TaskResponse>("swarm/tasks.json"),
            DockerFixtures.ReadArray<NodeListResponse>("swarm/nodes.json"));

        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(new DockerInventory([], swarm), new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed));

        Assert.Empty(declarations.Errors);
        Assert.Empty(declarations.Conflicts);
        Assert.Equal(
            ["hostpub TCP 10.99.0.30:80 -> 192.168.77.1:31080", "pub TCP 10.99.0.20:80 -> 192.168.77.1:30080", "web TCP 10.99.0.10:80 -> 10.0.1.3:80, 10.0.1.4:80"],
            declarations.Services
                .Select(service => $"{service.ServiceName} {service.Service.Key} -> {string.Join(", ", service.RealServers.Select(server => server.Server.Key.ToString()).Order(StringComparer.Ordinal))}")
                .Order(StringComparer.Ordinal));
        Assert.All(declarations.Services, service => Assert.Equal(DesiredSourceKind.SwarmService, service.Source.Kind));
    }

    [Fact]
    public void Build_BadServiceLabel_NamesTheSwarmService() =>
        Assert.Equal(
            "swarm service 'web' (k3t9wq0x1y2z): label 'ipvs.web.method=fast': expected nat, dr, tun or local",
            Assert.Single(Build(Service(new() { ["ipvs.web.vip"] = "10.99.0.10:80", ["ipvs.web.method"] = "fast" })).Errors).Message);
}
