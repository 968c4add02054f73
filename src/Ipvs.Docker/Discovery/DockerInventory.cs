using Docker.DotNet.Models;

namespace Ipvs.Docker.Discovery;

/// <summary>What a full list of the Docker engine returned: the inspected containers, and the swarm view on a manager.</summary>
/// <param name="Containers">Inspect results of the running (including paused) containers.</param>
/// <param name="Swarm">Services, tasks and nodes when the engine is a swarm manager, else null.</param>
public sealed record DockerInventory(IReadOnlyList<ContainerInspectResponse> Containers, SwarmInventory? Swarm = null);

/// <summary>The swarm view of a manager.</summary>
public sealed record SwarmInventory(IReadOnlyList<SwarmService> Services, IReadOnlyList<TaskResponse> Tasks, IReadOnlyList<NodeListResponse> Nodes)
{
    /// <summary>
    /// True while a task the swarm wants running has not started yet (scheduled, pulling, starting): it will start on
    /// some node, and no event tells a reader when, since task states reach no engine's event stream.
    /// </summary>
    public bool HasTasksStarting => Tasks.Any(task => task.DesiredState == TaskState.Running && task.Status?.State is
        TaskState.New or TaskState.Allocated or TaskState.Pending or TaskState.Assigned or TaskState.Accepted
        or TaskState.Preparing or TaskState.Ready or TaskState.Starting);
}
