using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Ipvs.Docker.Tests.Support;

/// <summary>One request as the fake engine saw it: the path without any <c>/v1.xx</c> API version prefix, the query unescaped.</summary>
internal sealed record FakeDockerRequest(string Method, string Path, string Query, bool ClosesConnection)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>A canned answer: a status and a JSON body, or a stream that sends headers (and the body as one chunk, if any) and then stays open (<c>/events</c>).</summary>
internal sealed record FakeDockerResponse(int Status, string Body, bool Streams = false)
{
    public static FakeDockerResponse Json(string body) => new(200, body);

    /// <summary>What dockerd answers to a swarm request on a worker or outside a swarm.</summary>
    public static readonly FakeDockerResponse NotASwarmManager = new(503,
        """{"message":"This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."}""");

    public static readonly FakeDockerResponse OpenStream = new(200, string.Empty, Streams: true);
}

/// <summary>
/// A Docker Engine API on a unix socket: HTTP/1.1 (keep-alive unless the client sends <c>Connection: close</c>, as
/// Docker.DotNet's unix handler does), routed on method and path without the API version prefix (the query is recorded,
/// not routed on), every request recorded. Anything unrouted gets dockerd's 404.
/// </summary>
internal sealed partial class FakeDockerEngine : IAsyncDisposable
{
    private static readonly byte[] _headerEnd = "\r\n\r\n"u8.ToArray();
    private static readonly FakeDockerResponse _notFound = new(404, """{"message":"page not found"}""");

    private readonly Socket _listener;
    private readonly IReadOnlyDictionary<string, FakeDockerResponse> _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<FakeDockerRequest> _requests = [];
    private readonly List<Task> _connections = [];
    private readonly Task _accept;

    private readonly Func<Stream, CancellationToken, Task<Stream>> _secure;
    private readonly List<string> _handshakeFailures = [];

    private FakeDockerEngine(Socket listener, Uri endpoint, IReadOnlyDictionary<string, FakeDockerResponse> routes, Func<Stream, CancellationToken, Task<Stream>> secure)
    {
        _routes = routes;
        _listener = listener;
        _secure = secure;
        Endpoint = endpoint;
        _accept = AcceptAsync();
    }

    /// <summary>Listens on <paramref name="socketPath"/>; <paramref name="routes"/> are keyed <c>"GET /containers/json"</c>.</summary>
    public static FakeDockerEngine Start(string socketPath, IReadOnlyDictionary<string, FakeDockerResponse> routes)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        return new FakeDockerEngine(listener, new Uri($"unix://{socketPath}"), routes, (stream, _) => Task.FromResult(stream));
    }

    /// <summary>
    /// Listens on a loopback TCP port with TLS as <c>dockerd --tlsverify</c> does: it presents
    /// <paramref name="serverCertificate"/> and requires a client certificate signed by <paramref name="clientAuthority"/>.
    /// </summary>
    public static FakeDockerEngine StartTls(IReadOnlyDictionary<string, FakeDockerResponse> routes, X509Certificate2 serverCertificate, X509Certificate2 clientAuthority)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        FakeDockerEngine? engine = null;
        engine = new FakeDockerEngine(listener, new Uri($"tcp://127.0.0.1:{port}"), routes, async (stream, cancel) =>
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) => ChainsTo(certificate, clientAuthority));
            try
            {
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions { ServerCertificate = serverCertificate, ClientCertificateRequired = true }, cancel);
            }
            catch (Exception error) when (error is AuthenticationException or IOException)
            {
                lock (engine!._lock)
                {
                    engine._handshakeFailures.Add(error.Message);
                }

                await tls.DisposeAsync();
                throw;
            }

            return tls;
        });
        return engine;
    }

    public Uri Endpoint { get; }

    /// <summary>TLS handshakes this engine refused or lost, in words.</summary>
    public IReadOnlyList<string> HandshakeFailures
    {
        get
        {
            lock (_lock)
            {
                return [.. _handshakeFailures];
            }
        }
    }

    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2 authority)
    {
        if (certificate is null)
        {
            return false;
        }

        using X509Certificate2 presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return ServerCertificateCheck.ChainProblem(presented, authority) is null;
    }

    public IReadOnlyList<FakeDockerRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        Task[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_accept, .. connections]);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_lock)
            {
                _connections.Add(ServeAsync(connection));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                await using Stream connection = await _secure(new NetworkStream(socket, ownsSocket: false), _stop.Token);
                var buffer = new byte[64 * 1024];
                int filled = 0;
                while (true)
                {
                    int headerEnd;
                    while ((headerEnd = buffer.AsSpan(0, filled).IndexOf(_headerEnd)) < 0)
                    {
                        int read = await connection.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        filled += read;
                    }

                    FakeDockerRequest request = Parse(Encoding.ASCII.GetString(buffer, 0, headerEnd), out int bodyLength);
                    int consumed = headerEnd + _headerEnd.Length + bodyLength;
                    while (filled < consumed)
                    {
                        int read = await connection.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        filled += read;
                    }

                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    lock (_lock)
                    {
                        _requests.Add(request);
                    }

                    FakeDockerResponse response = _routes.GetValueOrDefault($"{request.Method} {request.Path}", _notFound);
                    await connection.WriteAsync(Encoding.UTF8.GetBytes(Format(response, request.ClosesConnection)), _stop.Token);
                    if (response.Streams)
                    {
                        if (response.Body.Length > 0)
                        {
                            await connection.WriteAsync(Encoding.UTF8.GetBytes(Chunk(response.Body)), _stop.Token);
                        }

                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }

                    if (request.ClosesConnection)
                    {
                        return;
                    }
                }
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or IOException or AuthenticationException)
            {
                // Stopped, the client hung up, or the TLS handshake failed (recorded): the connection is over either way.
            }
        }
    }

    private static FakeDockerRequest Parse(string head, out int bodyLength)
    {
        string[] lines = head.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3)
        {
            throw new InvalidOperationException($"fake Docker engine: malformed request line '{lines[0]}'");
        }

        bodyLength = 0;
        bool closes = false;
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                bodyLength = int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (colon > 0 && line[..colon].Trim().Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                closes = line[(colon + 1)..].Trim().Equals("close", StringComparison.OrdinalIgnoreCase);
            }
            else if (colon > 0 && line[..colon].Trim().Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"fake Docker engine: chunked request bodies are not supported ({lines[0]})");
            }
        }

        string target = requestLine[1];
        int question = target.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? target : target[..question];
        string query = question < 0 ? string.Empty : Uri.UnescapeDataString(target[(question + 1)..]);
        return new FakeDockerRequest(requestLine[0], VersionPrefix().Replace(path, string.Empty), query, closes);
    }

    private static string Format(FakeDockerResponse response, bool closes)
    {
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(Reason(response.Status)).Append("\r\n")
            .Append("Api-Version: 1.41\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Server: Docker/20.10.24+dfsg1 (linux)\r\n")
            .Append(closes ? "Connection: close\r\n" : string.Empty);
        return response.Streams
            ? head.Append("Transfer-Encoding: chunked\r\n\r\n").ToString()
            : head.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(response.Body)).Append("\r\n\r\n").Append(response.Body).ToString();
    }

    private static string Chunk(string data) =>
        $"{Encoding.UTF8.GetByteCount(data).ToString("x", System.Globalization.CultureInfo.InvariantCulture)}\r\n{data}\r\n";

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    [GeneratedRegex(@"^/v\d+\.\d+(?=/)")]
    private static partial Regex VersionPrefix();
}
