namespace Ipvs.Core.Model;

/// <summary>Transport protocol of an address-based virtual service (IANA protocol numbers).</summary>
public enum IpvsProtocol : byte
{
    /// <summary>No protocol: firewall-mark services match any protocol the mark was set on.</summary>
    None = 0,
    Tcp = 6,
    Udp = 17,
    Sctp = 132,
}
