namespace Ipvs.Core.Desired;

/// <summary>What kind of thing asked for a service or real server.</summary>
public enum DesiredSourceKind
{
    StaticFile,
    Container,
    SwarmService,
    SwarmTask,
}

/// <summary>Who asked for a service or real server, so <c>status</c> and conflict messages can say where a rule came from.</summary>
/// <param name="Kind">The kind of source.</param>
/// <param name="Id">The file path, container id, swarm service id or task id.</param>
/// <param name="Name">A human name inside or for it (the service's name in the static file, the container's name), or null.</param>
public sealed record DesiredSource(DesiredSourceKind Kind, string Id, string? Name = null)
{
    public static DesiredSource StaticFile(string path, string serviceName) => new(DesiredSourceKind.StaticFile, path, serviceName);

    public static DesiredSource Container(string id, string? name = null) => new(DesiredSourceKind.Container, id, name);

    public static DesiredSource SwarmService(string id, string? name = null) => new(DesiredSourceKind.SwarmService, id, name);

    public static DesiredSource SwarmTask(string id, string? name = null) => new(DesiredSourceKind.SwarmTask, id, name);

    /// <summary>Docker prints ids of containers, services and tasks in 12 characters; so does <c>status</c>.</summary>
    public const int ShortIdLength = 12;

    public override string ToString() => Format(Id);

    /// <summary>As <see cref="ToString"/>, with a Docker id shortened to the 12 characters <c>docker ps</c> shows.</summary>
    public string ToShortString() =>
        Kind != DesiredSourceKind.StaticFile && Id.Length > ShortIdLength ? Format(Id[..ShortIdLength]) : Format(Id);

    private string Format(string id)
    {
        string kind = Kind switch
        {
            DesiredSourceKind.StaticFile => "static file",
            DesiredSourceKind.Container => "container",
            DesiredSourceKind.SwarmService => "swarm service",
            DesiredSourceKind.SwarmTask => "swarm task",
            _ => Kind.ToString(),
        };
        return Name is null ? $"{kind} {id}" : $"{kind} {id} ({Name})";
    }
}
