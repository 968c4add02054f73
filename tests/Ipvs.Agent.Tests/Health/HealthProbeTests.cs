using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ipvs.Agent.Health;
using Ipvs.Agent.Tests.Support;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Engine;

namespace Ipvs.Agent.Tests.Health;

public sealed class HealthProbeTests : IDisposable
{
    private static readonly NetAddress Loopback = NetAddress.Parse("127.0.0.1");

    private readonly HealthProbe _probe = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _probe.Dispose();

    private static HealthCheck Http(string path = "/", string? host = null) => HealthCheck.Of(HealthCheckKind.Http) with { Path = path, Host = host };

    /// <summary>A port nothing listens on: bound once to get a free number, then closed.</summary>
    private static ushort ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        ushort port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Exported and read back: on Linux an ephemeral key cannot serve TLS until it is in a PKCS#12 blob.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    [Fact]
    public async Task CheckAsync_HttpStatusInRange_PassesNamingTheStatus()
    {
        using var server = LoopbackHttpServer.Answering(200);

        ProbeAnswer answer = await _probe.CheckAsync(Http("/healthz"), Loopback, server.Port, Token);

        Assert.Equal(new ProbeAnswer(true, "HTTP 200"), answer);
        Assert.StartsWith("GET /healthz HTTP/1.1\r\n", Assert.Single(server.Requests), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_HttpStatusOutOfRange_FailsNamingTheStatusAndTheRange()
    {
        using var server = LoopbackHttpServer.Answering(503);

        ProbeAnswer answer = await _probe.CheckAsync(Http(), Loopback, server.Port, Token);

        Assert.Equal(new ProbeAnswer(false, "HTTP 503, expected 200-399"), answer);
    }

    [Fact]
    public async Task CheckAsync_RedirectOutsideTheRange_IsNotFollowed()
    {
        using var server = LoopbackHttpServer.Answering(302);

        ProbeAnswer answer = await _probe.CheckAsync(Http() with { StatusLow = 200, StatusHigh = 200 }, Loopback, server.Port, Token);

        Assert.Equal(new ProbeAnswer(false, "HTTP 302, expected 200"), answer);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CheckAsync_TwoChecks_EachOpensANewConnection()
    {
        using var server = LoopbackHttpServer.Answering(200);

        await _probe.CheckAsync(Http(), Loopback, server.Port, Token);
        await _probe.CheckAsync(Http(), Loopback, server.Port, Token);

        Assert.Equal(2, server.Connections);
        Assert.All(server.Requests, request => Assert.Contains("Connection: close", request, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task CheckAsync_HostGiven_SendsItAsTheHostHeader()
    {
        using var server = LoopbackHttpServer.Answering(200);

        await _probe.CheckAsync(Http(host: "web.example"), Loopback, server.Port, Token);

        Assert.Contains("\r\nHost: web.example\r\n", Assert.Single(server.Requests), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HealthCheckKind.Tcp)]
    [InlineData(HealthCheckKind.Http)]
    public async Task CheckAsync_NothingListens_FailsWithConnectionRefused(HealthCheckKind kind)
    {
        ProbeAnswer answer = await _probe.CheckAsync(HealthCheck.Of(kind), Loopback, ClosedPort(), Token);

        Assert.Equal(new ProbeAnswer(false, "connection refused"), answer);
    }

    [Fact]
    public async Task CheckAsync_TcpToAPortThatAccepts_Passes()
    {
        using var server = LoopbackHttpServer.Silent();

        ProbeAnswer answer = await _probe.CheckAsync(HealthCheck.Of(HealthCheckKind.Tcp), Loopback, server.Port, Token);

        Assert.True(answer.Passed);
    }

    [Fact]
    public async Task CheckAsync_HttpToAPortThatNeverAnswers_EndsWhenTheTokenDoes()
    {
        using var server = LoopbackHttpServer.Silent();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _probe.CheckAsync(Http(), Loopback, server.Port, timeout.Token));

        Assert.Equal(1, server.Connections);
    }

    /// <summary>A failure that comes with the timeout is the timeout's (the monitor words it), never an exception of another kind.</summary>
    [Theory]
    [InlineData(HealthCheckKind.Tcp)]
    [InlineData(HealthCheckKind.Http)]
    public async Task CheckAsync_TokenAlreadyEnded_ThrowsOperationCanceled(HealthCheckKind kind)
    {
        using var ended = new CancellationTokenSource();
        await ended.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _probe.CheckAsync(HealthCheck.Of(kind), Loopback, ClosedPort(), ended.Token));
    }

    [Fact]
    public async Task CheckAsync_HttpsSelfSignedUnverified_Passes()
    {
        using X509Certificate2 certificate = SelfSigned("web.example");
        using var server = LoopbackHttpServer.Answering(204, certificate);

        ProbeAnswer answer = await _probe.CheckAsync(HealthCheck.Of(HealthCheckKind.Https), Loopback, server.Port, Token);

        Assert.Equal(new ProbeAnswer(true, "HTTP 204"), answer);
    }

    [Fact]
    public async Task CheckAsync_HttpsSelfSignedVerified_FailsSayingTheChainIsNotTrusted()
    {
        using X509Certificate2 certificate = SelfSigned("web.example");
        using var server = LoopbackHttpServer.Answering(200, certificate);
        HealthCheck check = HealthCheck.Of(HealthCheckKind.Https) with { VerifyCertificate = true, Host = "web.example" };

        ProbeAnswer answer = await _probe.CheckAsync(check, Loopback, server.Port, Token);

        Assert.False(answer.Passed);
        Assert.StartsWith("TLS: certificate rejected: the chain is not trusted", answer.Detail, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task CheckAsync_HttpsVerifiedAgainstTheAddress_AlsoNamesTheNameMismatch()
    {
        using X509Certificate2 certificate = SelfSigned("web.example");
        using var server = LoopbackHttpServer.Answering(200, certificate);
        HealthCheck check = HealthCheck.Of(HealthCheckKind.Https) with { VerifyCertificate = true };

        ProbeAnswer answer = await _probe.CheckAsync(check, Loopback, server.Port, Token);

        Assert.False(answer.Passed);
        Assert.Contains("the name does not match 127.0.0.1", answer.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HealthCheckKind.Http, "10.1.1.2", "/healthz", "http://10.1.1.2:8080/healthz")]
    [InlineData(HealthCheckKind.Https, "fd00::2", "/", "https://[fd00::2]:8080/")]
    public void RequestUri_Address_IsTheBackendAddressAndPortWithIpv6InBrackets(HealthCheckKind kind, string address, string path, string expected)
    {
        Uri uri = HealthProbe.RequestUri(HealthCheck.Of(kind) with { Path = path }, NetAddress.Parse(address), 8080);

        Assert.Equal(expected, uri.AbsoluteUri);
    }
}
