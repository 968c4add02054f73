using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Ipvs.Docker.Tests.Support;

/// <summary>
/// A private CA and certificates made with openssl for one test: a client's <c>ca.pem cert.pem key.pem</c> (Docker's
/// names), an engine certificate for 127.0.0.1 from that CA, one from another CA, and one from that CA for another host.
/// </summary>
/// <remarks>A class fixture: openssl runs a dozen times to make them, so a test class shares one set.</remarks>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ipvs-docker-tls-").FullName;
        CreateAuthority("ca");
        CreateAuthority("rogue-ca");
        Issue("engine", "ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
        Issue("rogue-engine", "rogue-ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
        Issue("other-host-engine", "ca", "/CN=manager.example", "subjectAltName=DNS:manager.example\nextendedKeyUsage=serverAuth");
        Issue("client", "ca", "/CN=ipvs-agent", "extendedKeyUsage=clientAuth");
        File.Copy(Path.Combine(Directory, "client-cert.pem"), Path.Combine(Directory, DockerTls.CertFileName));
        File.Copy(Path.Combine(Directory, "client-key.pem"), Path.Combine(Directory, DockerTls.KeyFileName));
    }

    public string Directory { get; }

    /// <summary>What a client configures: this CA and a client certificate it signed.</summary>
    internal DockerTls Client => DockerTls.FromDirectory(Directory);

    internal X509Certificate2 Authority => X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Directory, "ca.pem"));

    internal X509Certificate2 Engine => Pair("engine");

    internal X509Certificate2 EngineFromAnotherCa => Pair("rogue-engine");

    internal X509Certificate2 EngineForAnotherHost => Pair("other-host-engine");

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private X509Certificate2 Pair(string name) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(Directory, $"{name}-cert.pem"), Path.Combine(Directory, $"{name}-key.pem"));

    private void CreateAuthority(string name) =>
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", $"{name}-key.pem", "-out", $"{name}.pem", "-days", "2", "-subj", $"/CN=ipvs-test-{name}");

    private void Issue(string name, string authority, string subject, string extensions)
    {
        File.WriteAllText(Path.Combine(Directory, $"{name}.ext"), extensions + "\n");
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", $"{name}-key.pem", "-out", $"{name}.csr", "-subj", subject);
        OpenSsl("x509", "-req", "-in", $"{name}.csr", "-CA", $"{authority}.pem", "-CAkey", $"{authority}-key.pem",
            "-CAcreateserial", "-out", $"{name}-cert.pem", "-days", "2", "-extfile", $"{name}.ext");
    }

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} exited {process.ExitCode}: {error}");
        }
    }
}
