using System.Runtime.CompilerServices;
using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;

namespace Ipvs.Agent.Tests.Support;

/// <summary>A Docker engine with no containers whose event stream stays silent until cancelled.</summary>
internal sealed class QuietDockerApi : IDockerApi
{
    public Task<DockerInventory> ListAsync(CancellationToken cancellationToken) => Task.FromResult(new DockerInventory([]));

    public Task<ContainerInspectResponse?> InspectContainerAsync(string id, CancellationToken cancellationToken) => Task.FromResult<ContainerInspectResponse?>(null);

    public async IAsyncEnumerable<DockerEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }
}
