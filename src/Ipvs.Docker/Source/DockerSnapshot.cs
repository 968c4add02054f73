using Ipvs.Docker.Discovery;

namespace Ipvs.Docker.Source;

/// <summary>An immutable view of what Docker declares, as of one successful full list.</summary>
/// <param name="Revision">Grows by one for each snapshot that differs from the previous one.</param>
/// <param name="TakenAt">When the list that produced it finished.</param>
/// <param name="Declarations">The declarations, errors and conflicts.</param>
/// <param name="ListDuration">How long the list took (Engine API requests and building the declarations).</param>
/// <param name="EventReceivedAt">When the first change behind this refresh arrived (an event, or the answer to the inspect a
/// network event started); null for the first list and periodic ones.</param>
/// <param name="EarlyAnswers">Containers this refresh took from the inspect their network event started (no request of their own).</param>
public sealed record DockerSnapshot(
    long Revision, DateTimeOffset TakenAt, DockerDeclarations Declarations, TimeSpan ListDuration = default, DateTimeOffset? EventReceivedAt = null, int EarlyAnswers = 0);

public enum DockerConnectionStatus
{
    /// <summary>Not connected yet since the source started.</summary>
    Connecting,
    Connected,
    /// <summary>Lost, or never reached after a failure; the last snapshot stands.</summary>
    Disconnected,
}

/// <summary>The source's link to Docker, for metrics and <c>status</c>.</summary>
/// <param name="Status">Connecting, connected or disconnected.</param>
/// <param name="Since">When <paramref name="Status"/> began.</param>
/// <param name="LastError">The latest failure's message, or null if there has been none.</param>
/// <param name="LastErrorAt">When it happened.</param>
public sealed record DockerConnectionState(DockerConnectionStatus Status, DateTimeOffset Since, string? LastError = null, DateTimeOffset? LastErrorAt = null);
