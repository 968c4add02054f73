using System.Collections;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ipvs.Agent.Configuration;
using Ipvs.Docker;

namespace Ipvs.Agent.Tests.Configuration;

/// <summary>How the configuration decides where Docker is read from and whether TLS protects it.</summary>
public sealed class DockerConnectionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-docker-tls-").FullName;

    /// <summary>ca.pem, cert.pem and key.pem (a self-signed client certificate that is its own CA) in a directory of their own.</summary>
    private string CertificateDirectory(string name = "certs")
    {
        string directory = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ipvs-agent", key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, DockerTls.CaFileName), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, DockerTls.CertFileName), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, DockerTls.KeyFileName), key.ExportPkcs8PrivateKeyPem());
        return directory;
    }

    private static Hashtable Environment(params (string Name, string Value)[] variables)
    {
        var table = new Hashtable { ["IPVS_AGENT_CONFIG"] = string.Empty };
        foreach ((string name, string value) in variables)
        {
            table[name] = value;
        }

        return table;
    }

    private static AgentOptions Load(Hashtable environment, params (string Key, string Value)[] flags) =>
        AgentConfiguration.Load(null, environment, flags.Select(flag => new FlagValue(flag.Key, flag.Value, "--" + flag.Key)));

    [Fact]
    public void Load_NothingGiven_LocalSocketWithoutTlsAndNoManager()
    {
        AgentOptions options = Load(Environment());

        Assert.Equal(new Uri(DockerEndpoint.DefaultUri), options.DockerConnection.Endpoint);
        Assert.Null(options.DockerConnection.Tls);
        Assert.Null(options.SwarmManagerConnection);
    }

    [Fact]
    public void Load_TcpDockerHostWithoutTls_RefusedNamingTheEndpointAndHowToSecureIt()
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(Environment(), (ConfigurationKeys.DockerHost, "tcp://10.0.0.1:2375")));

        Assert.Contains("tcp://10.0.0.1:2375/ is a TCP endpoint without TLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("set dockerTlsCertPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("dockerAllowInsecureTcp: true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TcpSwarmManagerWithoutTls_RefusedNamingTheManager()
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(Environment(), (ConfigurationKeys.SwarmManager, "tcp://manager:2375")));

        Assert.Contains("swarmManager: tcp://manager:2375/ is a TCP endpoint without TLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("set swarmManagerTlsCertPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DockerHostVariableTcpWithoutTls_RefusedNamingTheVariable()
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(Environment(("DOCKER_HOST", "tcp://10.0.0.1:2375"))));

        Assert.Contains("DOCKER_HOST: tcp://10.0.0.1:2375/ is a TCP endpoint without TLS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InsecureTcpAllowedExplicitly_AcceptedAndRemembered()
    {
        AgentOptions options = Load(Environment(), (ConfigurationKeys.SwarmManager, "tcp://manager:2375"), (ConfigurationKeys.DockerAllowInsecureTcp, "true"));

        Assert.True(options.DockerAllowInsecureTcp);
        Assert.True(options.SwarmManagerConnection!.IsInsecureTcp);
    }

    [Fact]
    public void Load_DockerDisabled_TcpWithoutTlsNotChecked()
    {
        AgentOptions options = Load(Environment(), (ConfigurationKeys.DockerHost, "tcp://10.0.0.1:2375"), (ConfigurationKeys.Docker, "false"));

        Assert.False(options.DockerEnabled);
    }

    [Fact]
    public void Load_DockerCertPathVariable_TlsForDockerHostAndTheManager()
    {
        string certs = CertificateDirectory();

        AgentOptions options = Load(Environment(("DOCKER_HOST", "tcp://10.0.0.1:2376"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs)),
            (ConfigurationKeys.SwarmManager, "tcp://manager:2376"));

        Assert.Equal(DockerTls.FromDirectory(certs), options.DockerConnection.Tls);
        Assert.Equal(DockerTls.FromDirectory(certs), options.SwarmManagerConnection!.Tls);
    }

    [Fact]
    public void Load_ManagerTlsOfItsOwn_UsedForTheManagerOnly()
    {
        string engineCerts = CertificateDirectory("engine");
        string managerCerts = CertificateDirectory("manager");

        AgentOptions options = Load(Environment(),
            (ConfigurationKeys.DockerHost, "tcp://10.0.0.1:2376"), (ConfigurationKeys.DockerTlsCertPath, engineCerts),
            (ConfigurationKeys.SwarmManager, "tcp://manager:2376"), (ConfigurationKeys.SwarmManagerTlsCertPath, managerCerts));

        Assert.Equal(DockerTls.FromDirectory(engineCerts), options.DockerConnection.Tls);
        Assert.Equal(DockerTls.FromDirectory(managerCerts), options.SwarmManagerConnection!.Tls);
    }

    [Fact]
    public void Load_SingleFilesOverrideTheDirectory()
    {
        string certs = CertificateDirectory();
        string otherCa = Path.Combine(CertificateDirectory("other"), DockerTls.CaFileName);

        AgentOptions options = Load(Environment(),
            (ConfigurationKeys.DockerHost, "tcp://10.0.0.1:2376"), (ConfigurationKeys.DockerTlsCertPath, certs), (ConfigurationKeys.DockerTlsCa, otherCa));

        Assert.Equal(otherCa, options.DockerConnection.Tls!.CaFile);
        Assert.Equal(Path.Combine(certs, DockerTls.CertFileName), options.DockerConnection.Tls.CertFile);
    }

    [Fact]
    public void Load_CaWithoutCertificateAndKey_RefusedSayingTheyGoTogether()
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(Environment(),
            (ConfigurationKeys.DockerHost, "tcp://10.0.0.1:2376"), (ConfigurationKeys.DockerTlsCa, "/etc/docker/ca.pem")));

        Assert.Contains("--dockerTlsCa: dockerTlsCa, dockerTlsCert and dockerTlsKey go together", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertPathWithoutTheFiles_RefusedNamingEachFile()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_directory, "empty")).FullName;

        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(Environment(),
            (ConfigurationKeys.SwarmManager, "tcp://manager:2376"), (ConfigurationKeys.SwarmManagerTlsCertPath, empty)));

        Assert.Contains($"{Path.Combine(empty, "ca.pem")}: the Docker TLS CA certificate does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(empty, "key.pem")}: the Docker TLS client key does not exist", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
