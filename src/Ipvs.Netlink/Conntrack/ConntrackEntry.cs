using Ipvs.Core.Model;

namespace Ipvs.Netlink.Conntrack;

/// <summary>A conntrack entry as ctnetlink dumps it: the original direction (as the client sent), the reply direction (as the server answers) and its zone.</summary>
public readonly record struct ConntrackEntry(ConntrackTuple Original, ConntrackTuple Reply, ushort Zone)
{
    /// <summary>
    /// True when this flow's packets are sent to <paramref name="server"/> although the client addressed something else:
    /// the reply comes from the server, and the original destination is not the server (IPVS, or a DNAT before it,
    /// rewrote it). A flow the client sent to the server's own address is not one the removal concerns.
    /// </summary>
    public bool IsTranslatedTo(byte protocol, RealServerKey server) =>
        Reply.Protocol == protocol
        && Reply.Source == server.Address && Reply.SourcePort == server.Port
        && !(Original.Destination == server.Address && Original.DestinationPort == server.Port);
}
