using BenchmarkDotNet.Attributes;
using Ipvs.Benchmarks.Support;
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
        _serviceReply = KernelShapedReplies.Service(_service);
        _destinationReply = KernelShapedReplies.Destination(_service.Key, _server);
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
}
