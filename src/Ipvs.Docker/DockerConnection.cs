using Docker.DotNet;
using Docker.DotNet.X509;

namespace Ipvs.Docker;

/// <summary>A Docker endpoint and how to reach it: over TLS with <see cref="Tls"/>, or in the clear (a unix socket).</summary>
public sealed record DockerConnection(Uri Endpoint, DockerTls? Tls = null)
{
    /// <summary>A TCP endpoint without TLS: anyone on the network who reaches it has root on that engine's host.</summary>
    public bool IsInsecureTcp => Tls is null && Endpoint.Scheme is "tcp" or "http" or "https";

    /// <summary>
    /// A client for this endpoint. With <see cref="Tls"/> it presents the client certificate and accepts only an engine
    /// whose certificate chains to the configured CA and names the endpoint's host; <paramref name="check"/> (null
    /// without TLS) records why an engine was refused, for the error the caller reports.
    /// </summary>
    public DockerClient CreateClient(out ServerCertificateCheck? check)
    {
        var builder = new DockerClientBuilder().WithEndpoint(Endpoint);
        check = null;
        if (Tls is { } tls)
        {
            check = new ServerCertificateCheck(tls.LoadCertificateAuthority());
            builder = builder.WithAuthProvider(new CertificateCredentials(tls.LoadClientCertificate())
            {
                ServerCertificateValidationCallback = check.Validate,
            });
        }

        return builder.Build();
    }

    public override string ToString() => Tls is null ? Endpoint.ToString() : $"{Endpoint} (TLS)";
}
