using Ipvs.Docker.Discovery;

namespace Ipvs.Docker.Source;

/// <summary>
/// The two things <see cref="DockerSource"/> needs from a Docker engine. Both throw when the engine cannot be reached;
/// <see cref="DockerEngineApi"/> is the real one, tests use fakes.
/// </summary>
public interface IDockerApi
{
    /// <summary>A full list: running and paused containers, inspected, and the swarm view when the engine is a manager.</summary>
    Task<DockerInventory> ListAsync(CancellationToken cancellationToken);

    /// <summary>The engine's event stream, from now on, until it ends or fails.</summary>
    IAsyncEnumerable<DockerEvent> WatchAsync(CancellationToken cancellationToken);
}
