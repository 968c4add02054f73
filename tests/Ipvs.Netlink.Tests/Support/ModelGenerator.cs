using Ipvs.Core.Model;

namespace Ipvs.Netlink.Tests.Support;

/// <summary>Seeded random valid models: both families, firewall marks, every protocol, method and tunnel type.</summary>
internal sealed class ModelGenerator(int seed)
{
    private static readonly string[] _schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "custom1"];

    private readonly Random _random = new(seed);

    public NetAddress Address(IpFamily family)
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[0] |= 1; // never the all-zero address
        return NetAddress.FromBytes(family, bytes);
    }

    public IpFamily Family() => _random.Next(2) == 0 ? IpFamily.V4 : IpFamily.V6;

    public VirtualServiceKey Key()
    {
        IpFamily family = Family();
        if (_random.Next(4) == 0)
        {
            return VirtualServiceKey.ForFirewallMark(family, (uint)_random.NextInt64(1, uint.MaxValue + 1L));
        }

        IpvsProtocol protocol = _random.Next(3) switch
        {
            0 => IpvsProtocol.Tcp,
            1 => IpvsProtocol.Udp,
            _ => IpvsProtocol.Sctp,
        };
        return VirtualServiceKey.ForAddress(protocol, Address(family), (ushort)_random.Next(65536));
    }

    public VirtualService Service()
    {
        VirtualServiceKey key = Key();
        var flags = (ServiceFlags)(_random.Next(64) & ~(int)ServiceFlags.Hashed);
        byte prefix = key.Family == IpFamily.V4 ? (byte)_random.Next(0, 33) : (byte)_random.Next(1, 129);
        return new VirtualService(
            key,
            _schedulers[_random.Next(_schedulers.Length)],
            flags,
            (uint)_random.NextInt64(0, uint.MaxValue + 1L),
            prefix,
            _random.Next(3) == 0 ? "sip" : null);
    }

    public RealServer Server(IpFamily serviceFamily)
    {
        var method = (ForwardingMethod)_random.Next(4);
        IpFamily family = method == ForwardingMethod.Tunnel ? Family() : serviceFamily;
        var server = new RealServer(
            Address(family),
            (ushort)_random.Next(65536),
            method,
            _random.Next(0, int.MaxValue),
            (uint)_random.NextInt64(0, uint.MaxValue + 1L),
            (uint)_random.NextInt64(0, uint.MaxValue + 1L));
        return method == ForwardingMethod.Tunnel
            ? server with
            {
                TunnelType = (TunnelType)_random.Next(3),
                TunnelPort = (ushort)_random.Next(65536),
                TunnelFlags = (TunnelFlags)_random.Next(4),
            }
            : server;
    }

    public IpvsStatistics Statistics() => new(
        Next64(), Next64(), Next64(), Next64(), Next64(), Next64(), Next64(), Next64(), Next64(), Next64());

    private ulong Next64() => (ulong)_random.NextInt64() ^ ((ulong)_random.Next(2) << 63);
}
