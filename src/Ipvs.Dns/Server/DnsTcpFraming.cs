using System.Buffers.Binary;
using System.Net.Sockets;

namespace Ipvs.Dns.Server;

/// <summary>DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message preceded by its length, 16 bits big-endian.</summary>
internal static class DnsTcpFraming
{
    /// <summary>One message, or null when the peer closed the connection before or inside it.</summary>
    public static async Task<byte[]?> ReadMessageAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cancellationToken))
        {
            return null;
        }

        byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, message, cancellationToken) ? message : null;
    }

    public static async Task WriteMessageAsync(Socket socket, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        byte[] framed = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed.AsMemory(2));
        int sent = 0;
        while (sent < framed.Length)
        {
            sent += await socket.SendAsync(framed.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int received = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                return false;
            }

            read += received;
        }

        return true;
    }
}
