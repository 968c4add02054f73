using Ipvs.Docker.Source;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests;

/// <summary>TLS to a Docker endpoint as <c>dockerd --tlsverify</c> serves it, with certificates openssl made for each test.</summary>
public sealed class DockerConnectionTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private static readonly Dictionary<string, FakeDockerResponse> Routes = new()
    {
        ["GET /containers/json"] = FakeDockerResponse.Json("[]"),
        ["GET /services"] = FakeDockerResponse.NotASwarmManager,
    };

    private readonly TestCertificates _certificates = certificates;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListAsync_EngineSignedByTheConfiguredCa_AnswersOverTls()
    {
        await using FakeDockerEngine engine = FakeDockerEngine.StartTls(Routes, _certificates.Engine, _certificates.Authority);
        using var api = new DockerEngineApi(new DockerConnection(engine.Endpoint, _certificates.Client), null);

        var inventory = await api.ListAsync(Cancel);

        Assert.Empty(inventory.Containers);
        Assert.Contains(engine.Requests, request => request.ToString() == "GET /containers/json");
        Assert.Empty(engine.HandshakeFailures);
    }

    [Fact]
    public async Task ListAsync_EngineCertificateFromAnotherCa_RefusedNamingTheEndpointAndTheCa()
    {
        await using FakeDockerEngine engine = FakeDockerEngine.StartTls(Routes, _certificates.EngineFromAnotherCa, _certificates.Authority);
        using var api = new DockerEngineApi(new DockerConnection(engine.Endpoint, _certificates.Client), null);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(Cancel));

        Assert.Contains(engine.Endpoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("is not signed by the configured CA (CN=ipvs-test-ca)", error.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Requests);
    }

    [Fact]
    public async Task ListAsync_EngineCertificateForAnotherHost_RefusedNamingTheMismatch()
    {
        await using FakeDockerEngine engine = FakeDockerEngine.StartTls(Routes, _certificates.EngineForAnotherHost, _certificates.Authority);
        using var api = new DockerEngineApi(new DockerConnection(engine.Endpoint, _certificates.Client), null);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(Cancel));

        Assert.Contains("CN=manager.example", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not name the host the endpoint names", error.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Requests);
    }

    [Fact]
    public async Task ListAsync_ClientWithoutTls_NothingServed()
    {
        await using FakeDockerEngine engine = FakeDockerEngine.StartTls(Routes, _certificates.Engine, _certificates.Authority);
        using var api = new DockerEngineApi(new DockerConnection(engine.Endpoint), null);

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(Cancel));

        Assert.Contains(engine.Endpoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Requests);
    }

    [Fact]
    public async Task ListAsync_SwarmManagerOverTlsWithTheWrongCa_RefusedNamingTheManager()
    {
        await using FakeDockerEngine worker = FakeDockerEngine.Start(Path.Combine(_certificates.Directory, $"worker-{Guid.NewGuid():N}.sock"), Routes);
        await using FakeDockerEngine manager = FakeDockerEngine.StartTls(Routes, _certificates.EngineFromAnotherCa, _certificates.Authority);
        using var api = new DockerEngineApi(new DockerConnection(worker.Endpoint), new DockerConnection(manager.Endpoint, _certificates.Client));

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(Cancel));

        Assert.StartsWith($"Swarm manager at {manager.Endpoint} is unreachable", error.Message, StringComparison.Ordinal);
        Assert.Contains("not signed by the configured CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_SwarmManagerOverTlsRefusingConnections_ThrowsNamingTheManager()
    {
        await using FakeDockerEngine worker = FakeDockerEngine.Start(Path.Combine(_certificates.Directory, $"worker-{Guid.NewGuid():N}.sock"), Routes);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: the connection is refused, as behind a REJECT rule
        var manager = new Uri($"tcp://127.0.0.1:{port}");
        using var api = new DockerEngineApi(new DockerConnection(worker.Endpoint), new DockerConnection(manager, _certificates.Client));

        DockerUnavailableException error = await Assert.ThrowsAsync<DockerUnavailableException>(() => api.ListAsync(Cancel));

        Assert.StartsWith($"Swarm manager at {manager} is unreachable: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void IsConnectionFailure_RefusalWrappedInAnAggregate_IsOneSoTheEndpointIsNamed()
    {
        Assert.True(DockerEngineApi.IsConnectionFailure(new AggregateException(new HttpRequestException("Connection refused"))));
        Assert.False(DockerEngineApi.IsConnectionFailure(new AggregateException(new InvalidOperationException("a bug"))));
        Assert.False(DockerEngineApi.IsConnectionFailure(new AggregateException()));
    }

    [Fact]
    public void IsInsecureTcp_TcpWithoutTls_TrueAndUnixOrTlsFalse()
    {
        Assert.True(new DockerConnection(new Uri("tcp://manager:2375")).IsInsecureTcp);
        Assert.False(new DockerConnection(new Uri("tcp://manager:2376"), _certificates.Client).IsInsecureTcp);
        Assert.False(new DockerConnection(new Uri("unix:///var/run/docker.sock")).IsInsecureTcp);
    }

    [Fact]
    public void Problems_UsableFiles_None()
    {
        Assert.Empty(_certificates.Client.Problems());
    }

    [Fact]
    public void Problems_MissingAndGarbledFiles_EachNamed()
    {
        string garbled = Path.Combine(_certificates.Directory, $"garbled-{Guid.NewGuid():N}.pem");
        File.WriteAllText(garbled, "not a certificate\n");
        var tls = new DockerTls(garbled, Path.Combine(_certificates.Directory, "absent.pem"), _certificates.Client.KeyFile);

        IReadOnlyList<string> problems = tls.Problems();

        Assert.Contains(problems, problem => problem.StartsWith($"{tls.CertFile}: the Docker TLS client certificate does not exist", StringComparison.Ordinal));

        var onlyGarbledCa = _certificates.Client with { CaFile = garbled };
        Assert.Contains(onlyGarbledCa.Problems(), problem => problem.StartsWith($"{garbled}: not a PEM CA certificate", StringComparison.Ordinal));
    }
}
