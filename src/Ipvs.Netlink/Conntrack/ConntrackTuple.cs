using Ipvs.Core.Model;

namespace Ipvs.Netlink.Conntrack;

/// <summary>One direction of a conntrack entry: addresses, layer-4 protocol number and ports (host order here).</summary>
public readonly record struct ConntrackTuple(NetAddress Source, NetAddress Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public override string ToString() =>
        $"{Protocol} {Source.ToEndpointHost()}:{SourcePort} -> {Destination.ToEndpointHost()}:{DestinationPort}";
}
