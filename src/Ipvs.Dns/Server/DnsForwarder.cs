using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ipvs.Dns.Responder;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Server;

/// <summary>Sends out-of-zone queries to upstream resolvers, as they are, and returns the first good answer.</summary>
/// <remarks>
/// Each upstream is tried in order: over UDP from a fresh socket (a new random source port per query, connected so
/// that only the upstream's datagrams arrive), retried over TCP when the answer is truncated; a client that asked
/// over TCP is forwarded over TCP. An answer counts only when it is a response to the same ID and question.
/// </remarks>
public sealed class DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout)
{
    public IReadOnlyList<IPEndPoint> Upstreams => upstreams;

    /// <summary>The upstream's answer, or null when none answered in time.</summary>
    public async Task<byte[]?> ForwardAsync(ReadOnlyMemory<byte> query, DnsTransport transport, CancellationToken cancellationToken)
    {
        foreach (IPEndPoint upstream in upstreams)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                byte[]? answer = transport == DnsTransport.Udp ? await ExchangeUdpAsync(upstream, query, deadline.Token) : null;
                if (answer is null || (DnsHeader.TryRead(answer, out DnsHeader header) && header.IsTruncated))
                {
                    answer = await ExchangeTcpAsync(upstream, query, deadline.Token) ?? answer;
                }

                if (answer is not null)
                {
                    return answer;
                }
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // This upstream failed or timed out: the next one is tried.
            }
        }

        return null;
    }

    private static async Task<byte[]?> ExchangeUdpAsync(IPEndPoint upstream, ReadOnlyMemory<byte> query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(upstream, cancellationToken);
        await socket.SendAsync(query, SocketFlags.None, cancellationToken);
        byte[] buffer = new byte[DnsResponder.MaxTcpMessage];
        while (true)
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (DnsResponder.Answers(query.Span, buffer.AsSpan(0, received)))
            {
                return buffer[..received];
            }
        }
    }

    private static async Task<byte[]?> ExchangeTcpAsync(IPEndPoint upstream, ReadOnlyMemory<byte> query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(upstream, cancellationToken);
        byte[] framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed.AsMemory(2));
        await socket.SendAsync(framed, SocketFlags.None, cancellationToken);
        byte[]? answer = await DnsTcpFraming.ReadMessageAsync(socket, cancellationToken);
        return answer is not null && DnsResponder.Answers(query.Span, answer) ? answer : null;
    }
}
