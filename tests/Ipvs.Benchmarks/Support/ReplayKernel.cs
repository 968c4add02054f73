using System.Buffers.Binary;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;

namespace Ipvs.Benchmarks.Support;

/// <summary>
/// A transport that answers an <see cref="Netlink.Client.IpvsClient"/> like the kernel, from replies built once: the
/// IPVS family lookup, GET_INFO, a service dump in chunks of the kernel's size, and one real-server dump per service
/// in the order the services were dumped. Times the client's whole dump path (receive copies, sequence checks,
/// decoding, lists) without a kernel, so a change to that path can be measured on the host.
/// </summary>
internal sealed class ReplayKernel : INetlinkTransport
{
    private const ushort FamilyId = 0x1c;
    private const uint Port = 4242;

    // A dump chunk is one skb of at most SKB_WITH_OVERHEAD(32 KiB) (netlink_dump): ~32,400 bytes on x86-64.
    private const int ChunkBytes = 32 * 1024 - 384;

    private readonly byte[][] _serviceChunks;
    private readonly byte[][] _destinationDumps;
    private readonly byte[] _done;
    private readonly Queue<byte[]> _queue = new();
    private uint _sequence;
    private int _nextDestinationDump;

    private ReplayKernel(byte[][] serviceChunks, byte[][] destinationDumps)
    {
        _serviceChunks = serviceChunks;
        _destinationDumps = destinationDumps;
        _done = Build((ref NetlinkWriter w) =>
        {
            int start = w.BeginMessage(NetlinkKernel.NLMSG_DONE, NetlinkKernel.NLM_F_MULTI, 0, Port);
            w.WriteRaw([0, 0, 0, 0]);
            w.EndMessage(start);
        });
    }

    public uint PortId => Port;

    public int MaxSendSize => 1024 * 1024;

    public int ReceiveQueueBytes => 32 * 1024 * 1024;

    public int ReceiveSize => NetlinkSocket.DefaultReceiveSize;

    public long Syscalls { get; private set; }

    private delegate void Encoder(ref NetlinkWriter writer);

    /// <summary>A kernel holding <paramref name="table"/>.</summary>
    public static ReplayKernel For(IReadOnlyList<(VirtualService Service, RealServer[] Servers)> table)
    {
        var services = new List<byte[]>(table.Count);
        var destinations = new byte[table.Count][];
        for (int index = 0; index < table.Count; index++)
        {
            (VirtualService service, RealServer[] servers) = table[index];
            services.Add(KernelShapedReplies.Service(service, Port));
            destinations[index] = [.. servers.SelectMany(server => KernelShapedReplies.Destination(service.Key, server, Port))];
        }

        return new ReplayKernel(Chunks(services), destinations);
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        Syscalls++;
        NetlinkHeader request = NetlinkHeader.Read(datagram);
        _sequence = request.Sequence;
        if (request.Type == GenericNetlinkKernel.GENL_ID_CTRL)
        {
            _queue.Enqueue(FamilyReply());
            _queue.Enqueue(Ack(request));
            return;
        }

        byte command = datagram[NetlinkHeader.Size];
        if (!request.HasFlag(NetlinkKernel.NLM_F_DUMP))
        {
            _queue.Enqueue(command == IpvsKernel.IPVS_CMD_GET_INFO
                ? InfoReply()
                : throw new InvalidOperationException($"The replay kernel only answers dumps and GET_INFO, not IPVS command {command}."));
            _queue.Enqueue(Ack(request));
            return;
        }

        if (command == IpvsKernel.IPVS_CMD_GET_SERVICE)
        {
            _nextDestinationDump = 0;
            foreach (byte[] chunk in _serviceChunks)
            {
                _queue.Enqueue(chunk);
            }
        }
        else
        {
            _queue.Enqueue(_destinationDumps[_nextDestinationDump++ % _destinationDumps.Length]);
        }

        _queue.Enqueue(_done);
    }

    public int Receive(Span<byte> buffer)
    {
        Syscalls++;
        byte[] next = _queue.Dequeue();
        next.CopyTo(buffer);

        // The replies were built once; each answers the request in flight.
        for (int offset = 0; offset < next.Length; offset += NetlinkAlignment.Align((int)BinaryPrimitives.ReadUInt32LittleEndian(buffer[offset..])))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer[(offset + 8)..], _sequence);
        }

        return next.Length;
    }

    public void Dispose()
    {
    }

    /// <summary>Packs messages into datagrams the way netlink_dump fills skbs: as many whole messages as fit.</summary>
    private static byte[][] Chunks(List<byte[]> messages)
    {
        var chunks = new List<byte[]>();
        var current = new List<byte>(ChunkBytes);
        foreach (byte[] message in messages)
        {
            if (current.Count + message.Length > ChunkBytes)
            {
                chunks.Add([.. current]);
                current.Clear();
            }

            current.AddRange(message);
        }

        if (current.Count > 0)
        {
            chunks.Add([.. current]);
        }

        return [.. chunks];
    }

    /// <summary>The controller's answer to the family lookup, with what the client reads of it.</summary>
    private static byte[] FamilyReply() => Reply(GenericNetlinkKernel.GENL_ID_CTRL, GenericNetlinkKernel.CTRL_CMD_NEWFAMILY, (ref NetlinkWriter w) =>
    {
        w.WriteU16(GenericNetlinkKernel.CTRL_ATTR_FAMILY_ID, FamilyId);
        w.WriteString(GenericNetlinkKernel.CTRL_ATTR_FAMILY_NAME, IpvsKernel.IPVS_GENL_NAME);
    });

    private static byte[] InfoReply() => Reply(FamilyId, IpvsKernel.IPVS_CMD_GET_INFO, (ref NetlinkWriter w) =>
    {
        w.WriteU32(IpvsKernel.IPVS_INFO_ATTR_VERSION, IpvsKernel.IP_VS_VERSION_CODE);
        w.WriteU32(IpvsKernel.IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
    });

    /// <summary>A generic netlink message of <paramref name="type"/> and <paramref name="command"/> with the attributes <paramref name="attributes"/> writes.</summary>
    private static byte[] Reply(ushort type, byte command, Encoder attributes) => Build((ref NetlinkWriter w) =>
    {
        int start = w.BeginMessage(type, 0, 0, Port);
        w.WriteGenericHeader(command, 1);
        attributes(ref w);
        w.EndMessage(start);
    });

    /// <summary>NLMSG_ERROR with errno 0, capped: the header of the request it acknowledges.</summary>
    private static byte[] Ack(NetlinkHeader request) => Build((ref NetlinkWriter w) =>
    {
        int start = w.BeginMessage(NetlinkKernel.NLMSG_ERROR, NetlinkKernel.NLM_F_CAPPED, 0, Port);
        w.WriteRaw([0, 0, 0, 0]);
        Span<byte> header = stackalloc byte[NetlinkHeader.Size];
        request.Write(header);
        w.WriteRaw(header);
        w.EndMessage(start);
    });

    private static byte[] Build(Encoder encode)
    {
        byte[] buffer = new byte[512];
        var writer = new NetlinkWriter(buffer);
        encode(ref writer);
        return writer.Written.ToArray();
    }
}
