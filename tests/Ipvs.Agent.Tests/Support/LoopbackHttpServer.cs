using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Ipvs.Agent.Tests.Support;

/// <summary>
/// A listener on 127.0.0.1 that answers each connection with one fixed HTTP response (or, with no response, accepts and
/// never answers), over TLS when given a certificate; it records each request's head.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _response;
    private readonly X509Certificate2? _certificate;
    private readonly List<TcpClient> _held = [];
    private readonly Lock _lock = new();
    private readonly List<string> _requests = [];
    private int _connections;

    private LoopbackHttpServer(string? response, X509Certificate2? certificate)
    {
        _response = response;
        _certificate = certificate;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>Answers every request with <paramref name="status"/> and an empty body.</summary>
    public static LoopbackHttpServer Answering(int status, X509Certificate2? certificate = null) =>
        new($"HTTP/1.1 {status} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", certificate);

    /// <summary>Accepts connections and never writes a byte.</summary>
    public static LoopbackHttpServer Silent() => new(null, null);

    public ushort Port => (ushort)((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                if (_response is null)
                {
                    lock (_lock)
                    {
                        _held.Add(client);
                    }

                    continue;
                }

                _ = AnswerAsync(client);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                    stream = tls;
                }

                var head = new StringBuilder();
                byte[] buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                lock (_lock)
                {
                    _requests.Add(head.ToString());
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes(_response!), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                await stream.DisposeAsync();
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                // The client went away (a rejected certificate, a cancelled check).
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_lock)
        {
            _held.ForEach(client => client.Dispose());
        }

        _stop.Dispose();
    }
}
