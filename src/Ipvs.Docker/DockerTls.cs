using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet.X509;

namespace Ipvs.Docker;

/// <summary>
/// The TLS material for one Docker endpoint, by Docker's own conventions: the CA that signed the engine's certificate
/// and this client's certificate and key, as PEM files (<c>ca.pem</c>, <c>cert.pem</c>, <c>key.pem</c> in
/// <c>DOCKER_CERT_PATH</c>). The engine must present a certificate signed by that CA for the host name or address the
/// endpoint names; it checks ours (<c>dockerd --tlsverify</c>).
/// </summary>
public sealed record DockerTls(string CaFile, string CertFile, string KeyFile)
{
    public const string CaFileName = "ca.pem";
    public const string CertFileName = "cert.pem";
    public const string KeyFileName = "key.pem";

    /// <summary>The three files in <paramref name="directory"/> under Docker's names.</summary>
    public static DockerTls FromDirectory(string directory) =>
        new(Path.Combine(directory, CaFileName), Path.Combine(directory, CertFileName), Path.Combine(directory, KeyFileName));

    /// <summary>Reads and parses the three files; null when they are usable, else every problem, each naming its file.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach ((string file, string what) in new[] { (CaFile, "CA certificate"), (CertFile, "client certificate"), (KeyFile, "client key") })
        {
            if (!File.Exists(file))
            {
                problems.Add($"{file}: the Docker TLS {what} does not exist");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            using X509Certificate2 ca = LoadCertificateAuthority();
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{CaFile}: not a PEM CA certificate this agent can read ({error.Message})");
        }

        try
        {
            using X509Certificate2 client = LoadClientCertificate();
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{CertFile} with {KeyFile}: not a PEM certificate and matching key this agent can read ({error.Message})");
        }

        return problems;
    }

    public X509Certificate2 LoadCertificateAuthority() => DockerTlsCertificates.LoadCertificateAuthorityFromPemFile(CaFile);

    public X509Certificate2 LoadClientCertificate() => DockerTlsCertificates.LoadCertificateFromPemFiles(CertFile, KeyFile);

    public override string ToString() => $"TLS with CA {CaFile}, certificate {CertFile}";
}
