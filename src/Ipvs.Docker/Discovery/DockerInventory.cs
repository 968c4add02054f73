using Docker.DotNet.Models;

namespace Ipvs.Docker.Discovery;

/// <summary>What a full list of the Docker engine returned: the inspected containers, and the swarm view on a manager.</summary>
/// <param name="Containers">Inspect results of the running (including paused) containers.</param>
/// <param name="Swarm">Services, tasks and nodes when the engine is a swarm manager, else null.</param>
public sealed record DockerInventory(IReadOnlyList<ContainerInspectResponse> Containers, SwarmInventory? Swarm = null);

/// <summary>The swarm view of a manager.</summary>
public sealed record SwarmInventory(IReadOnlyList<SwarmService> Services, IReadOnlyList<TaskResponse> Tasks, IReadOnlyList<NodeListResponse> Nodes);
