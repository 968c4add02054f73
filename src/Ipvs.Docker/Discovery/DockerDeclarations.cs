using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Docker.Discovery;

/// <summary>Whether a real server should take new connections.</summary>
public enum ServerState
{
    Serving,
    /// <summary>Wanted out of rotation (unhealthy or paused): weight 0, then removed per the drain rules.</summary>
    Draining,
}

/// <summary>One real server a container or swarm task contributes.</summary>
/// <param name="Server">The real server as the labels ask for it (weight as labelled, even when draining).</param>
/// <param name="State">Serving or draining.</param>
/// <param name="Reason">Why it drains (<c>unhealthy</c>, <c>paused</c>), or null.</param>
/// <param name="Source">The container, or the swarm task, behind the address.</param>
/// <param name="Check">Its active health check, from the labels of its container or swarm service, or null.</param>
public sealed record DockerRealServer(RealServer Server, ServerState State, string? Reason, DesiredSource Source, HealthCheck? Check = null);

/// <summary>What one container or swarm service declares under one <c>&lt;svc&gt;</c> name.</summary>
/// <param name="Source">The container or swarm service carrying the labels.</param>
/// <param name="ServiceName">The <c>&lt;svc&gt;</c> part of the labels.</param>
/// <param name="Service">The virtual service and its service-level options.</param>
/// <param name="RealServers">Its real servers: one for a container, one per running task for a swarm service.</param>
public sealed record DockerServiceDeclaration(
    DesiredSource Source,
    string ServiceName,
    VirtualService Service,
    IReadOnlyList<DockerRealServer> RealServers)
{
    public bool Equals(DockerServiceDeclaration? other) =>
        other is not null
        && Source == other.Source
        && string.Equals(ServiceName, other.ServiceName, StringComparison.Ordinal)
        && Service.SameConfiguration(other.Service)
        && RealServers.SequenceEqual(other.RealServers);

    public override int GetHashCode() => HashCode.Combine(Source, ServiceName, Service.Key, RealServers.Count);
}

/// <summary>
/// Everything Docker asks for at one moment, oldest source first (the order in which conflicts were settled), with
/// every label error and every conflict found.
/// </summary>
public sealed record DockerDeclarations(
    IReadOnlyList<DockerServiceDeclaration> Services,
    IReadOnlyList<DiscoveryError> Errors,
    IReadOnlyList<DeclarationConflict> Conflicts)
{
    public static readonly DockerDeclarations Empty = new([], [], []);

    public bool Equals(DockerDeclarations? other) =>
        other is not null
        && Services.SequenceEqual(other.Services)
        && Errors.SequenceEqual(other.Errors)
        && Conflicts.SequenceEqual(other.Conflicts);

    public override int GetHashCode() => HashCode.Combine(Services.Count, Errors.Count, Conflicts.Count);

    /// <summary>
    /// The declarations in the desired-state merge's terms. Draining servers are left out: the planner drains a
    /// real server that is no longer desired (weight 0, then deletion), which is what an unhealthy or paused
    /// container needs, so Docker's own healthcheck rules before any active check. A service whose servers all drain
    /// is still declared, so its VIP stays.
    /// </summary>
    /// <remarks>
    /// Each real server's check rides on that server (<see cref="ServiceDeclaration.CheckOverrides"/>, no
    /// service-wide check): containers of one service carry their own labels, so two of them may check differently,
    /// and only a server both declare can conflict.
    /// </remarks>
    public IEnumerable<ServiceDeclaration> ToServiceDeclarations() => Services.Select(declaration =>
    {
        DockerRealServer[] serving = [.. declaration.RealServers.Where(server => server.State == ServerState.Serving)];
        Dictionary<RealServerKey, HealthCheck?>? checks = null;
        foreach (DockerRealServer server in serving)
        {
            if (server.Check is not null)
            {
                (checks ??= [])[server.Server.Key] = server.Check;
            }
        }

        return new ServiceDeclaration(declaration.Source, declaration.Service, [.. serving.Select(server => server.Server)], declaration.ServiceName, CheckOverrides: checks);
    });
}
