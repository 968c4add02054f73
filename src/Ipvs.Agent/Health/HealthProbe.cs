using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Engine;

namespace Ipvs.Agent.Health;

/// <summary>
/// The health monitor's I/O edge: a TCP connect, or an HTTP(S) GET, from the agent's own network namespace. Every check
/// opens a new connection and closes it, since a check must prove that a new client would be served (a kept-alive
/// connection can outlive the listener that accepted it).
/// </summary>
/// <remarks>
/// One <see cref="HttpClient"/> for every check, every request with <c>Connection: close</c>: no proxy (the backend is
/// addressed directly), no redirects followed (a 302 is the answer, as keepalived's HTTP_GET sees it), no cookies, no
/// decompression, and only the headers read. The Host header is the check's host, else the URI's <c>address:port</c>.
/// The check's token is its only timeout.
/// </remarks>
internal sealed class HealthProbe : IHealthProbe, IDisposable
{
    private static readonly HttpRequestOptionsKey<bool> VerifyKey = new("ipvs-agent.verify-certificate");
    private static readonly HttpRequestOptionsKey<string> RejectionKey = new("ipvs-agent.certificate-rejection");

    private readonly HttpClient _client;

    public HealthProbe()
    {
        // HttpClientHandler (SocketsHttpHandler underneath) because its certificate callback is given the request,
        // which carries the check's verify-certificate choice; SocketsHttpHandler's own callback sees only the stream.
        var handler = new HttpClientHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ServerCertificateCustomValidationCallback = ValidateCertificate,
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Task<ProbeAnswer> CheckAsync(HealthCheck check, NetAddress address, ushort port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        return check.Kind == HealthCheckKind.Tcp
            ? ConnectAsync(address, port, cancellationToken)
            : GetAsync(check, address, port, cancellationToken);
    }

    private static async Task<ProbeAnswer> ConnectAsync(NetAddress address, ushort port, CancellationToken cancellationToken)
    {
        IPAddress ip = address.ToIPAddress();
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cancellationToken);
            return new ProbeAnswer(true, "connected");
        }
        catch (SocketException exception)
        {
            // A failure that races the timeout is the timeout's: the monitor words that one itself.
            cancellationToken.ThrowIfCancellationRequested();
            return new ProbeAnswer(false, SocketText(exception));
        }
    }

    private async Task<ProbeAnswer> GetAsync(HealthCheck check, NetAddress address, ushort port, CancellationToken cancellationToken)
    {
        Uri uri;
        try
        {
            uri = RequestUri(check, address, port);
        }
        catch (UriFormatException)
        {
            return new ProbeAnswer(false, $"'{check.Path}' does not make a valid URI");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        // Connection: close, so the connection is never pooled and the next check connects anew.
        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ipvs-agent", "health-check"));
        if (check.Host is { } host)
        {
            // Also the TLS server name: SocketsHttpHandler takes SNI and the name to verify from the Host header.
            try
            {
                request.Headers.Host = host;
            }
            catch (FormatException)
            {
                return new ProbeAnswer(false, $"'{host}' is not a valid Host header");
            }
        }

        request.Options.Set(VerifyKey, check.VerifyCertificate);
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            int status = (int)response.StatusCode;
            if (status >= check.StatusLow && status <= check.StatusHigh)
            {
                return new ProbeAnswer(true, $"HTTP {status}");
            }

            string expected = check.StatusLow == check.StatusHigh ? $"{check.StatusLow}" : $"{check.StatusLow}-{check.StatusHigh}";
            return new ProbeAnswer(false, $"HTTP {status}, expected {expected}");
        }
        catch (HttpRequestException exception)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new ProbeAnswer(false, HttpText(exception, request));
        }
    }

    /// <summary><c>http://10.1.1.2:8080/healthz</c>, <c>https://[fd00::2]:8443/</c>.</summary>
    internal static Uri RequestUri(HealthCheck check, NetAddress address, ushort port) =>
        new($"{(check.Kind == HealthCheckKind.Https ? "https" : "http")}://{address.ToEndpointHost()}:{port}{check.Path}", UriKind.Absolute);

    /// <summary>Accepts any certificate unless the check asks to verify it; a rejection is kept on the request to be told in words.</summary>
    private static bool ValidateCertificate(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!request.Options.TryGetValue(VerifyKey, out bool verify) || !verify || errors == SslPolicyErrors.None)
        {
            return true;
        }

        request.Options.Set(RejectionKey, CertificateText(errors, chain, request.Headers.Host ?? request.RequestUri?.Host));
        return false;
    }

    private static string CertificateText(SslPolicyErrors errors, X509Chain? chain, string? name)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problems.Add("no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add($"the name does not match {name}");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            string[] statuses = [.. (chain?.ChainStatus ?? []).Select(status => status.Status.ToString()).Distinct()];
            problems.Add(statuses.Length == 0 ? "the chain is not trusted" : $"the chain is not trusted ({string.Join(", ", statuses)})");
        }

        return $"TLS: certificate rejected: {string.Join("; ", problems)}";
    }

    private static string HttpText(HttpRequestException exception, HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(RejectionKey, out string? rejection))
        {
            return rejection;
        }

        if (FindInner<SocketException>(exception) is { } socket)
        {
            return SocketText(socket);
        }

        if (FindInner<AuthenticationException>(exception) is { } tls)
        {
            return $"TLS: {tls.Message}";
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "the connection closed before an HTTP answer",
            HttpRequestError.InvalidResponse => "not an HTTP answer",
            HttpRequestError.SecureConnectionError => $"TLS: {exception.Message}",
            _ => exception.Message,
        };
    }

    private static string SocketText(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.TimedOut => "connection timed out",
        SocketError.ConnectionReset => "connection reset",
        SocketError.AddressNotAvailable => "address not available",
        SocketError.AccessDenied => "connection not permitted",
        _ => exception.Message,
    };

    private static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    public void Dispose() => _client.Dispose();
}
