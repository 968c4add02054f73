namespace Ipvs.Docker.Source;

/// <summary>One entry of the Docker event stream, reduced to what decides what to refresh.</summary>
/// <param name="Type">Object type: <c>container</c>, <c>network</c>, <c>service</c>, <c>node</c>, ...</param>
/// <param name="Action">What happened: <c>start</c>, <c>die</c>, <c>health_status: healthy</c>, ...</param>
/// <param name="ActorId">The object's id.</param>
/// <param name="Container">For a network (dis)connection: the container it concerns (the <c>container</c> attribute).</param>
/// <param name="Time">When Docker stamped the event (<c>timeNano</c>), on the engine's clock.</param>
public sealed record DockerEvent(string Type, string Action, string ActorId, string? Container = null, DateTimeOffset? Time = null)
{
    /// <summary>
    /// True for the events that can change what is declared: container lifecycle, pause and health, network
    /// (dis)connection, and swarm service and node changes. Exec, image, volume and other events are noise here.
    /// </summary>
    public bool ChangesDeclarations => Type switch
    {
        "container" => Action is "start" or "die" or "stop" or "kill" or "destroy" or "pause" or "unpause" or "rename" or "update"
            || Action.StartsWith("health_status", StringComparison.Ordinal),
        "network" => Action is "connect" or "disconnect",
        "service" => Action is "create" or "update" or "remove",
        "node" => Action is "create" or "update" or "remove",
        _ => false,
    };

    /// <summary>The container a network (dis)connection names, or null for any other event.</summary>
    public string? NetworkedContainer => Type == "network" && Action is "connect" or "disconnect" && !string.IsNullOrEmpty(Container) ? Container : null;

    /// <summary>Docker's <c>timeNano</c> (nanoseconds since the Unix epoch) as a time, truncated to .NET's 100 ns ticks.</summary>
    public static DateTimeOffset? FromTimeNano(long? timeNano) =>
        timeNano is > 0 and long nanoseconds ? DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100) : null;
}
