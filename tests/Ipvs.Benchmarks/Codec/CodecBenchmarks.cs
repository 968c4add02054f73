using BenchmarkDotNet.Attributes;
using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Benchmarks.Codec;

/// <summary>The per-entry cost of the IPVS codec: what a 10k-service sync pays per service and per real server.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private static readonly RequestHeader _header = new(0x1c, 1, NetlinkKernel.NLM_F_ACK);

    private readonly byte[] _buffer = new byte[IpvsMessages.MaxRequestSize];
    private VirtualService _service;
    private RealServer _server;
    private byte[] _serviceReply = [];
    private byte[] _destinationReply = [];

    [GlobalSetup]
    public void Setup()
    {
        _service = new VirtualService(
            VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80), "wlc", ServiceFlags.None, 0, 32, null);
        _server = new RealServer(NetAddress.Parse("10.1.0.2"), 8080, ForwardingMethod.Masquerade, 5);
        _serviceReply = Reply(IpvsKernel.IPVS_CMD_ATTR_SERVICE, (ref NetlinkWriter w) =>
            IpvsMessages.WriteService(ref w, _header, IpvsKernel.IPVS_CMD_NEW_SERVICE, _service));
        _destinationReply = Reply(IpvsKernel.IPVS_CMD_ATTR_DEST, (ref NetlinkWriter w) =>
            IpvsMessages.WriteDestination(ref w, _header, IpvsKernel.IPVS_CMD_NEW_DEST, _service.Key, _server));
    }

    [Benchmark]
    public int EncodeNewService()
    {
        var writer = new NetlinkWriter(_buffer);
        IpvsMessages.WriteService(ref writer, _header, IpvsKernel.IPVS_CMD_NEW_SERVICE, _service);
        return writer.Length;
    }

    [Benchmark]
    public int EncodeNewDestination()
    {
        var writer = new NetlinkWriter(_buffer);
        IpvsMessages.WriteDestination(ref writer, _header, IpvsKernel.IPVS_CMD_NEW_DEST, _service.Key, _server);
        return writer.Length;
    }

    [Benchmark]
    public uint DecodeServiceReply()
    {
        var reader = new NetlinkMessageReader(_serviceReply);
        reader.TryRead(out NetlinkMessage message);
        return IpvsMessages.ReadService(message).Service.TimeoutSeconds;
    }

    [Benchmark]
    public int DecodeDestinationReply()
    {
        var reader = new NetlinkMessageReader(_destinationReply);
        reader.TryRead(out NetlinkMessage message);
        return IpvsMessages.ReadDestination(message, IpFamily.V4).Server.Weight;
    }

    private delegate void Encoder(ref NetlinkWriter writer);

    /// <summary>A dump reply as the kernel shapes it: the request's entry attributes plus 64-bit statistics.</summary>
    private static byte[] Reply(ushort entryType, Encoder encodeRequest)
    {
        byte[] request = new byte[IpvsMessages.MaxRequestSize];
        var requestWriter = new NetlinkWriter(request);
        encodeRequest(ref requestWriter);
        var messages = new NetlinkMessageReader(requestWriter.Written);
        messages.TryRead(out NetlinkMessage message);

        byte[] reply = new byte[1024];
        var writer = new NetlinkWriter(reply);
        int start = writer.BeginMessage(0x1c, NetlinkKernel.NLM_F_MULTI, 1);
        writer.WriteGenericHeader(entryType == IpvsKernel.IPVS_CMD_ATTR_SERVICE ? IpvsKernel.IPVS_CMD_NEW_SERVICE : IpvsKernel.IPVS_CMD_NEW_DEST, 1);
        int nest = writer.BeginNested(entryType);
        AttributeReader top = message.GetAttributes(GenericNetlinkHeader.Size);
        while (top.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type != entryType)
            {
                continue;
            }

            AttributeReader inner = attribute.GetNested();
            while (inner.TryRead(out NetlinkAttribute item))
            {
                writer.WriteAttribute(item.RawType, item.Value);
            }
        }

        int stats = writer.BeginNested(IpvsKernel.IPVS_SVC_ATTR_STATS64);
        for (ushort counter = IpvsKernel.IPVS_STATS_ATTR_CONNS; counter <= IpvsKernel.IPVS_STATS_ATTR_OUTBPS; counter++)
        {
            writer.WriteU64(counter, 1000UL * counter);
        }

        writer.EndNested(stats);
        writer.EndNested(nest);
        writer.EndMessage(start);
        return writer.Written.ToArray();
    }
}
