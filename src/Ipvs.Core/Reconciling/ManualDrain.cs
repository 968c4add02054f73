
namespace Ipvs.Core.Reconciling;

/// <summary>A drain an operator asked for: a whole service, or one real server of it (in any service when no service is given).</summary>
public sealed class ManualDrain
{
    /// <summary>The service as ipvsadm prints it (<c>TCP 10.99.0.10:80</c>), or null for the server in every service.</summary>
    public string? Service { get; set; }

    /// <summary>The real server (<c>10.1.1.2:8080</c>), or null for every real server of <see cref="Service"/>.</summary>
    public string? Server { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public override string ToString() => (Service, Server) switch
    {
        (null, { } server) => $"real server {server} in every service",
        ({ } service, null) => $"every real server of {service}",
        _ => $"real server {Server} of {Service}",
    };
}
