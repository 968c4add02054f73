using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Serilog;

namespace Ipvs.Agent.Metrics;

/// <summary>
/// The HTTP endpoint serving <c>/metrics</c>: a minimal HTTP/1.1 responder on a plain socket (one request per
/// connection, <c>Connection: close</c>), bound to the configured address of either family. Scrapes are served
/// concurrently, each within a response timeout (request read and body written) after which its connection is
/// closed, so a client that sends a request and never reads holds one slot for that long and blocks nobody. The IPVS
/// part of the body is rendered once per kernel table read and shared by every scrape of it.
/// </summary>
/// <remarks>
/// Not HttpListener: on Linux it refuses IPv6 prefixes such as <c>http://[::1]:9469/</c> ("Invalid port in prefix"),
/// matches requests by Host header, and has no write timeout. Not prometheus-net (8.2.1): its standalone MetricServer
/// is that same HttpListener, and its exposition would change the node_exporter-identical output (its own number and
/// HELP formatting, its process metrics) while the per-scrape IPVS table would still need a custom collector.
/// </remarks>
internal sealed class MetricsServer(string address, AgentMetrics metrics, ILogger log, TimeSpan? responseTimeout = null) : IDisposable
{
    /// <summary>How long a scrape may take from connection to last byte: Prometheus's own scrape timeout is at most its interval.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Scrapes in flight at once; a connection beyond them is closed at once.</summary>
    public const int MaxConcurrentScrapes = 32;

    /// <summary>Longest request head read: a scraper's GET is a few hundred bytes.</summary>
    private const int MaxRequestHead = 8192;

    private readonly TimeSpan _responseTimeout = responseTimeout ?? DefaultResponseTimeout;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentScrapes, MaxConcurrentScrapes);
    private readonly Lock _renderLock = new();
    private readonly Socket _listener = CreateListener(address);
    private (KernelTable Table, byte[] Body)? _kernelBody;

    public string Prefix { get; } = $"http://{address}/";

    private static Socket CreateListener(string address)
    {
        RealServerKey endpoint = KeyText.ParseRealServerKey(address);
        IPAddress ip = endpoint.Address.ToIPAddress();
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // [::] means IPv6 only here, as written; 0.0.0.0 is the IPv4 wildcard.
            socket.DualMode = false;
        }

        return socket;
    }

    /// <exception cref="SocketException">The address cannot be bound (in use, not local).</exception>
    public void Start()
    {
        RealServerKey endpoint = KeyText.ParseRealServerKey(address);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(endpoint.Address.ToIPAddress(), endpoint.Port));
        _listener.Listen(128);
        log.Information("Metrics at {Prefix}metrics", Prefix);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                // A connection reset before it was accepted, or out of descriptors: the listener itself goes on.
                log.Debug("Metrics connection not accepted: {Error}", exception.Message);
                continue;
            }

            if (!_slots.Wait(0, CancellationToken.None))
            {
                log.Debug("Metrics connection from {Client} refused: {Count} scrapes already in flight", connection.RemoteEndPoint, MaxConcurrentScrapes);
                connection.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(connection, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_responseTimeout);
        EndPoint? client = connection.RemoteEndPoint;
        try
        {
            using (connection)
            {
                string? target = await ReadRequestTargetAsync(connection, timeout.Token);
                (string status, string contentType, byte[][] body) = target switch
                {
                    null => ("400 Bad Request", "text/plain; charset=utf-8", new[] { Encoding.UTF8.GetBytes("expected GET /metrics\n") }),
                    "/metrics" or "/" => ("200 OK", PrometheusText.ContentType, new[] { KernelBody(), Encoding.UTF8.GetBytes(PrometheusText.RenderAgent(metrics)) }),
                    _ => ("404 Not Found", "text/plain; charset=utf-8", new[] { Encoding.UTF8.GetBytes("not found: try /metrics\n") }),
                };
                long length = body.Sum(part => (long)part.Length);
                byte[] head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"));
                await connection.SendAsync(head, SocketFlags.None, timeout.Token);
                foreach (byte[] part in body)
                {
                    for (int sent = 0; sent < part.Length;)
                    {
                        sent += await connection.SendAsync(part.AsMemory(sent), SocketFlags.None, timeout.Token);
                    }
                }

                connection.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            log.Debug("Metrics request from {Client} not completed{Why}: {Error}", client,
                timeout.IsCancellationRequested && !stopping.IsCancellationRequested ? $" within {_responseTimeout.TotalSeconds:0.#} s, connection closed" : string.Empty, exception.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>The path of a <c>GET</c> (or <c>HEAD</c>) request line, once the whole head has arrived; null for anything else.</summary>
    private static async Task<string?> ReadRequestTargetAsync(Socket connection, CancellationToken cancellationToken)
    {
        byte[] head = new byte[MaxRequestHead];
        int length = 0;
        while (head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            if (length == head.Length)
            {
                return null;
            }

            int read = await connection.ReceiveAsync(head.AsMemory(length), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            length += read;
        }

        string[] requestLine = Encoding.ASCII.GetString(head, 0, head.AsSpan(0, length).IndexOf("\r\n"u8)).Split(' ');
        if (requestLine is not ["GET", var target, var version] || !version.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }

        int query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }

    /// <summary>The IPVS part for the last table read, rendered by the first scrape that needs it.</summary>
    private byte[] KernelBody()
    {
        if (metrics.KernelTable is not { } snapshot)
        {
            return [];
        }

        lock (_renderLock)
        {
            if (_kernelBody is not { } cached || !ReferenceEquals(cached.Table, snapshot.Table))
            {
                _kernelBody = cached = (snapshot.Table, Encoding.UTF8.GetBytes(PrometheusText.RenderKernel(snapshot.Table)));
            }

            return cached.Body;
        }
    }

    /// <remarks>The slots' semaphore is not disposed: a scrape still closing releases its slot after this.</remarks>
    public void Dispose() => _listener.Dispose();
}
