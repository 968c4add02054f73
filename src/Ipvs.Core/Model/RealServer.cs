namespace Ipvs.Core.Model;

/// <summary>Identity of a real server inside its virtual service.</summary>
public readonly record struct RealServerKey(NetAddress Address, ushort Port)
{
    public override string ToString() => $"{Address.ToEndpointHost()}:{Port}";
}

/// <summary>The configuration of a real server (destination): what the planner compares. Counters live in <see cref="RealServerStatus"/> (the agent's table: <see cref="RealServerConnections"/>).</summary>
/// <param name="Address">Its address; the family may differ from the service's only for tunnelled servers (kernel rule).</param>
/// <param name="Port">Its port; 0 for firewall-mark services forwarded by direct routing or tunnel (port unchanged).</param>
/// <param name="Method">Forwarding method.</param>
/// <param name="Weight">Scheduling weight, 0 to <see cref="int.MaxValue"/>; 0 takes no new connections (drain).</param>
/// <param name="UpperThreshold">Connection limit above which the server takes no new connections; 0 = none.</param>
/// <param name="LowerThreshold">Connection count below which an overloaded server takes connections again; 0 = none.</param>
/// <param name="TunnelType">Encapsulation, with <see cref="ForwardingMethod.Tunnel"/>.</param>
/// <param name="TunnelPort">Destination UDP port for GUE.</param>
/// <param name="TunnelFlags">GUE/GRE checksum options.</param>
public readonly record struct RealServer(
    NetAddress Address,
    ushort Port,
    ForwardingMethod Method,
    int Weight,
    uint UpperThreshold = 0,
    uint LowerThreshold = 0,
    TunnelType TunnelType = TunnelType.IpIp,
    ushort TunnelPort = 0,
    TunnelFlags TunnelFlags = TunnelFlags.NoChecksum)
{
    public RealServerKey Key => new(Address, Port);

    public RealServer WithWeight(int weight) => this with { Weight = weight };
}
