using Ipvs.Core.Model;

namespace Ipvs.Core.Health;

/// <summary>
/// An active health check of a real server, as the static services file's <c>check:</c> block and the
/// <c>ipvs.&lt;svc&gt;.check*</c> labels declare it (one vocabulary: <see cref="HealthCheckParser"/>).
/// </summary>
/// <param name="Kind">TCP connect, HTTP GET or HTTPS GET.</param>
/// <param name="Port">The port checked; 0 = the real server's own port.</param>
/// <param name="Path">The HTTP path requested.</param>
/// <param name="StatusLow">The lowest HTTP status that passes.</param>
/// <param name="StatusHigh">The highest HTTP status that passes.</param>
/// <param name="Host">The HTTP Host header; null = the server's address.</param>
/// <param name="Interval">Time between two checks of one server.</param>
/// <param name="Timeout">How long one check may take before it fails.</param>
/// <param name="Rise">Consecutive passes that bring a down server up.</param>
/// <param name="Fall">Consecutive failures that take an up server down.</param>
/// <param name="StartsUp">A server the agent has not checked yet counts as up (false: down until <see cref="Rise"/> passes, keepalived's <c>alpha</c>).</param>
/// <param name="OnFailure">What a down server gets: weight 0 or removal.</param>
/// <param name="VerifyCertificate">HTTPS: verify the server's certificate chain and name (against <see cref="Host"/>).</param>
public sealed record HealthCheck(
    HealthCheckKind Kind,
    ushort Port = 0,
    string Path = "/",
    int StatusLow = 200,
    int StatusHigh = 399,
    string? Host = null,
    TimeSpan Interval = default,
    TimeSpan Timeout = default,
    int Rise = 2,
    int Fall = 3,
    bool StartsUp = true,
    HealthFailureAction OnFailure = HealthFailureAction.Weight0,
    bool VerifyCertificate = false)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A check of this kind with every default.</summary>
    public static HealthCheck Of(HealthCheckKind kind) => new(kind, Interval: DefaultInterval, Timeout: DefaultTimeout);

    /// <summary>The port to check for <paramref name="server"/>: <see cref="Port"/>, or the server's own.</summary>
    public ushort PortFor(RealServerKey server) => Port != 0 ? Port : server.Port;

    public bool IsHttp => Kind is HealthCheckKind.Http or HealthCheckKind.Https;
}
