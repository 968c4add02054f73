using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Engine;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>Docker (containers and swarm services with ipvs labels) as a desired-state source.</summary>
/// <remarks>
/// One path: each snapshot Docker publishes is taken from its channel, converted once, logged with its timing (the
/// event-to-kernel latency is this plus one reconcile pass), made <see cref="Current"/>, and only then signalled. The
/// same instance stays current until the next snapshot, so the assembler reuses its last merge.
/// </remarks>
internal sealed class DockerDesiredSource(DockerSource source, ILogger log) : IDesiredSource
{
    public const string SourceName = "docker";

    private SourceSnapshot? _current;

    public string Name => SourceName;

    public DockerConnectionState Connection => source.Connection;

    public SourceSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Docker's declarations as the engine takes them: each error and conflict a sentence naming its container or service.</summary>
    public static SourceSnapshot ToSourceSnapshot(DockerDeclarations declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        return new SourceSnapshot(
            [.. declarations.ToServiceDeclarations()],
            [.. declarations.Errors.Select(error => error.Message), .. declarations.Conflicts.Select(conflict => conflict.Message)]);
    }

    /// <summary>
    /// What the operator is told when the link to Docker changes, or null: a loss (or a new reason for it) is a warning
    /// naming the endpoint's error, a link back after a loss is information with how long it was down; the first
    /// connection says nothing (its first snapshot is logged).
    /// </summary>
    public static (Serilog.Events.LogEventLevel Level, string Message)? Describe(DockerConnectionState previous, DockerConnectionState current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        return current.Status switch
        {
            DockerConnectionStatus.Disconnected => (Serilog.Events.LogEventLevel.Warning,
                $"Docker unavailable: {current.LastError}; the last known state stays in the kernel, retrying"),
            DockerConnectionStatus.Connected when previous.Status == DockerConnectionStatus.Disconnected => (Serilog.Events.LogEventLevel.Information,
                $"Docker reachable again after {(current.Since - previous.Since).TotalSeconds:0} s; relisted"),
            _ => null,
        };
    }

    public async Task RunAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        source.ConnectionChanged += (previous, current) =>
        {
            if (Describe(previous, current) is { } said)
            {
                log.Write(said.Level, "{Connection}", said.Message);
            }
        };
        Task run = source.RunAsync(cancellationToken);
        try
        {
            await foreach (DockerSnapshot snapshot in source.Snapshots.ReadAllAsync(cancellationToken))
            {
                Volatile.Write(ref _current, ToSourceSnapshot(snapshot.Declarations));

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
}
