namespace Ipvs.Core.Model;

/// <summary>
/// What identifies a virtual service in the kernel: (family, protocol, address, port), or (family, firewall mark).
/// </summary>
/// <remarks>Identity only: two services with the same key are the same kernel entry, whatever their scheduler.</remarks>
public readonly record struct VirtualServiceKey
{
    private VirtualServiceKey(IpFamily family, IpvsProtocol protocol, NetAddress address, ushort port, uint firewallMark)
    {
        Family = family;
        Protocol = protocol;
        Address = address;
        Port = port;
        FirewallMark = firewallMark;
    }

    public IpFamily Family { get; }

    /// <summary><see cref="IpvsProtocol.None"/> for firewall-mark services.</summary>
    public IpvsProtocol Protocol { get; }

    /// <summary>The VIP; default for firewall-mark services.</summary>
    public NetAddress Address { get; }

    public ushort Port { get; }

    /// <summary>Non-zero for firewall-mark services.</summary>
    public uint FirewallMark { get; }

    public bool IsFirewallMark => FirewallMark != 0;

    public static VirtualServiceKey ForAddress(IpvsProtocol protocol, NetAddress address, ushort port)
    {
        if (protocol is not (IpvsProtocol.Tcp or IpvsProtocol.Udp or IpvsProtocol.Sctp))
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "A virtual service's protocol is TCP, UDP or SCTP.");
        }

        if (address.IsDefault)
        {
            throw new ArgumentException("A virtual service needs an address.", nameof(address));
        }

        return new VirtualServiceKey(address.Family, protocol, address, port, 0);
    }

    public static VirtualServiceKey ForFirewallMark(IpFamily family, uint firewallMark)
    {
        ArgumentOutOfRangeException.ThrowIfZero(firewallMark);
        if (family is not (IpFamily.V4 or IpFamily.V6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "Address family must be IPv4 or IPv6.");
        }

        return new VirtualServiceKey(family, IpvsProtocol.None, default, 0, firewallMark);
    }

    /// <summary>The form ipvsadm prints: <c>TCP 10.0.0.1:80</c>, <c>UDP [fd00::1]:53</c>, <c>FWM 7</c> (<c>FWM 7 IPv6</c>).</summary>
    public override string ToString() => IsFirewallMark
        ? Family == IpFamily.V6 ? $"FWM {FirewallMark} IPv6" : $"FWM {FirewallMark}"
        : $"{ProtocolName(Protocol)} {Address.ToEndpointHost()}:{Port}";

    public static string ProtocolName(IpvsProtocol protocol) => protocol switch
    {
        IpvsProtocol.Tcp => "TCP",
        IpvsProtocol.Udp => "UDP",
        IpvsProtocol.Sctp => "SCTP",
        IpvsProtocol.None => "FWM",
        _ => $"proto {(byte)protocol}",
    };
}
