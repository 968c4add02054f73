using System.Net;
using System.Net.Sockets;
using Ipvs.Dns.Responder;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Server;

/// <summary>What the server reports about each query and each trouble; the host turns these into metrics and logs.</summary>
public interface IDnsServerEvents
{
    /// <summary>A response was sent with this code (forwarded answers count with the upstream's code).</summary>
    void Answered(DnsResponseCode code, DnsTransport transport);

    /// <summary>Something went wrong with one packet or connection; the server goes on.</summary>
    void Trouble(string message);
}

/// <summary>
/// The responder's sockets: one UDP socket and one TCP listener on the same address and port. Queries in the zone
/// are answered inline; forwards run concurrently (at most <see cref="MaxForwards"/> at once, beyond which a query
/// gets SERVFAIL). Nothing a client sends stops either loop.
/// </summary>
public sealed class DnsServer(IPEndPoint endpoint, DnsResponder responder, DnsForwarder? forwarder, IDnsServerEvents events) : IDisposable
{
    public const int MaxForwards = 64;
    public const int MaxTcpConnections = 64;

    /// <summary>How long a TCP connection may sit idle between queries (RFC 7766 suggests seconds).</summary>
    public static readonly TimeSpan TcpIdleTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _forwards = new(MaxForwards);
    private readonly SemaphoreSlim _connections = new(MaxTcpConnections);
    private Socket? _udp;
    private Socket? _tcp;

    /// <summary>The bound endpoint (the port the kernel chose when the configured one was 0).</summary>
    public IPEndPoint LocalEndpoint => (IPEndPoint)(_udp?.LocalEndPoint ?? endpoint);

    /// <summary>Binds both sockets; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public void Start()
    {
        _udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(endpoint);
        _tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _tcp.Bind(new IPEndPoint(endpoint.Address, LocalEndpoint.Port));
        _tcp.Listen(128);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_udp is null || _tcp is null)
        {
            throw new InvalidOperationException("Start the DNS server before running it.");
        }

        await Task.WhenAll(ServeUdpAsync(_udp, cancellationToken), ServeTcpAsync(_tcp, cancellationToken));
    }

    /// <summary>Closes both sockets; the loops then end. The semaphores stay: forwards and connections still running release them.</summary>
    public void Dispose()
    {
        _udp?.Dispose();
        _tcp?.Dispose();
    }

    private async Task ServeUdpAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] query = new byte[DnsResponder.MaxUdpResponse];
        byte[] response = new byte[DnsResponder.MaxUdpResponse];
        EndPoint any = new IPEndPoint(endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult received = await socket.ReceiveFromAsync(query, SocketFlags.None, any, cancellationToken);
                DnsReply reply = responder.Respond(query.AsSpan(0, received.ReceivedBytes), response, DnsTransport.Udp);
                switch (reply.Kind)
                {
                    case DnsReplyKind.Answer:
                        await socket.SendToAsync(response.AsMemory(0, reply.Length), SocketFlags.None, received.RemoteEndPoint, cancellationToken);
                        events.Answered(reply.Code, DnsTransport.Udp);
                        break;
                    case DnsReplyKind.Forward:
                        _ = ForwardUdpAsync(socket, query[..received.ReceivedBytes], received.RemoteEndPoint, reply.SizeLimit, cancellationToken);
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or ArgumentException or InvalidOperationException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                events.Trouble($"UDP query: {exception.Message}");
            }
        }
    }

    private async Task ForwardUdpAsync(Socket socket, byte[] query, EndPoint client, int sizeLimit, CancellationToken cancellationToken)
    {
        byte[] response = new byte[DnsResponder.MaxUdpResponse];
        try
        {
            int length = await ForwardAsync(query, response, sizeLimit, DnsTransport.Udp, cancellationToken);
            if (length > 0)
            {
                await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, client, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                events.Trouble($"forwarded UDP query from {client}: {exception.Message}");
            }
        }
    }

    /// <summary>Forwards and fits the upstream's answer; SERVFAIL when no upstream answered or too many forwards run.</summary>
    private async Task<int> ForwardAsync(byte[] query, byte[] response, int sizeLimit, DnsTransport transport, CancellationToken cancellationToken)
    {
        byte[]? answer = null;
        if (forwarder is not null && await _forwards.WaitAsync(0, cancellationToken))
        {
            try
            {
                answer = await forwarder.ForwardAsync(query, transport, cancellationToken);
            }
            finally
            {
                _forwards.Release();
            }
        }

        if (answer is not null && DnsResponder.FitForwarded(answer, sizeLimit, response) is var length and > 0)
        {
            events.Answered(DnsHeader.TryRead(answer, out DnsHeader header) ? header.ResponseCode : DnsResponseCode.NoError, transport);
            return length;
        }

        DnsReply failure = responder.ServerFailure(query, response, transport);
        if (failure.Kind == DnsReplyKind.Answer)
        {
            events.Answered(failure.Code, transport);
        }

        return failure.Length;
    }

    private async Task ServeTcpAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                events.Trouble($"TCP accept: {exception.Message}");
                continue;
            }

            if (!_connections.Wait(0, CancellationToken.None))
            {
                events.Trouble($"TCP connection from {connection.RemoteEndPoint} refused: {MaxTcpConnections} already open");
                connection.Dispose();
                continue;
            }

            _ = ServeConnectionAsync(connection, cancellationToken);
        }
    }

    private async Task ServeConnectionAsync(Socket connection, CancellationToken cancellationToken)
    {
        byte[] response = new byte[DnsResponder.MaxTcpMessage];
        try
        {
            using (connection)
            {
                while (true)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idle.CancelAfter(TcpIdleTimeout);
                    byte[]? query = await DnsTcpFraming.ReadMessageAsync(connection, idle.Token);
                    if (query is null)
                    {
                        return;
                    }

                    DnsReply reply = responder.Respond(query, response, DnsTransport.Tcp);
                    int length = reply.Kind switch
                    {
                        DnsReplyKind.Answer => reply.Length,
                        DnsReplyKind.Forward => await ForwardAsync(query, response, reply.SizeLimit, DnsTransport.Tcp, cancellationToken),
                        _ => 0,
                    };
                    if (length == 0)
                    {
                        // Nothing to say to a non-query: close rather than leave the client waiting.
                        return;
                    }

                    await DnsTcpFraming.WriteMessageAsync(connection, response.AsMemory(0, length), idle.Token);
                    if (reply.Kind == DnsReplyKind.Answer)
                    {
                        events.Answered(reply.Code, DnsTransport.Tcp);
                    }
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // A client that went away or idled out; nothing to report.
        }
        finally
        {
            _connections.Release();
        }
    }
}
