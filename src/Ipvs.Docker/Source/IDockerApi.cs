using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;

namespace Ipvs.Docker.Source;

/// <summary>
/// The three things <see cref="DockerSource"/> needs from a Docker engine. All throw when the engine cannot be reached;
/// <see cref="DockerEngineApi"/> is the real one, tests use fakes.
/// </summary>
public interface IDockerApi
{
    /// <summary>A full list: running and paused containers, inspected, and the swarm view when the engine is a manager.</summary>
    Task<DockerInventory> ListAsync(CancellationToken cancellationToken);

    /// <summary>One container, inspected; null when it no longer exists.</summary>
    Task<ContainerInspectResponse?> InspectContainerAsync(string id, CancellationToken cancellationToken);

    /// <summary>The engine's event stream, from now on, until it ends or fails.</summary>
    IAsyncEnumerable<DockerEvent> WatchAsync(CancellationToken cancellationToken);
}
