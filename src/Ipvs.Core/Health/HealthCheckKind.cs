namespace Ipvs.Core.Health;

/// <summary>How a real server is checked.</summary>
public enum HealthCheckKind
{
    /// <summary>A TCP connection is accepted.</summary>
    Tcp,
    /// <summary>An HTTP GET answers with a status in the expected range.</summary>
    Http,
    /// <summary>As <see cref="Http"/>, over TLS (the certificate is not verified unless asked: the backend is addressed by IP).</summary>
    Https,
}
