using Ipvs.Docker.Source;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>Docker (containers and swarm services with ipvs labels) as a desired-state source.</summary>
/// <remarks>Each new snapshot is logged with its timing: the event-to-kernel latency is this plus one reconcile pass.</remarks>
internal sealed class DockerDesiredSource(DockerSource source, ILogger log) : IDesiredSource
{
    public string Name => "docker";

    public DockerConnectionState Connection => source.Connection;

    private Converted? _converted;

    /// <summary>
    /// The same instance for as long as Docker's snapshot is the same one: the assembler then reuses its last merge
    /// (every pass asks, full resyncs included).
    /// </summary>
    public SourceSnapshot? Current
    {
        get
        {
            if (source.Current is not { } snapshot)
            {
                return null;
            }

            if (Volatile.Read(ref _converted) is { } converted && ReferenceEquals(converted.Docker, snapshot))
            {
                return converted.Source;
            }

            var current = new SourceSnapshot(
                [.. snapshot.Declarations.ToServiceDeclarations()],
                [.. snapshot.Declarations.Errors.Select(error => error.Message), .. snapshot.Declarations.Conflicts.Select(conflict => conflict.Message)]);
            Volatile.Write(ref _converted, new Converted(snapshot, current));
            return current;
        }
    }

    public async Task RunAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        Task run = source.RunAsync(cancellationToken);
        try
        {
            await foreach (DockerSnapshot snapshot in source.Snapshots.ReadAllAsync(cancellationToken))
            {
                // Logged before the pass is requested, so that the line precedes the changes it causes.
                log.Information("Docker snapshot {Revision}: {Services} declarations, {Problems} problems; listed in {ListMs:0.0} ms, {SinceEventMs} ms after the change arrived, {EarlyAnswers} containers from a network event's inspect",
                    snapshot.Revision, snapshot.Declarations.Services.Count, snapshot.Declarations.Errors.Count + snapshot.Declarations.Conflicts.Count,
                    snapshot.ListDuration.TotalMilliseconds,
                    snapshot.EventReceivedAt is { } received ? (snapshot.TakenAt - received).TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-",
                    snapshot.EarlyAnswers);
                changed();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await run;
    }

    private sealed record Converted(DockerSnapshot Docker, SourceSnapshot Source);
}
