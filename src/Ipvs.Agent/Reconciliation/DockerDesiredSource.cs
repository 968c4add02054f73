using Ipvs.Docker.Source;

namespace Ipvs.Agent.Reconciliation;

/// <summary>Docker (containers and swarm services with ipvs labels) as a desired-state source.</summary>
internal sealed class DockerDesiredSource(DockerSource source) : IDesiredSource
{
    public string Name => "docker";

    public DockerConnectionState Connection => source.Connection;

    public SourceSnapshot? Current => source.Current is { } snapshot
        ? new SourceSnapshot(
            [.. snapshot.Declarations.ToServiceDeclarations()],
            [.. snapshot.Declarations.Errors.Select(error => error.Message), .. snapshot.Declarations.Conflicts.Select(conflict => conflict.Message)])
        : null;

    public async Task RunAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        Task run = source.RunAsync(cancellationToken);
        try
        {
            await foreach (DockerSnapshot _ in source.Snapshots.ReadAllAsync(cancellationToken))
            {
                changed();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await run;
    }
}
