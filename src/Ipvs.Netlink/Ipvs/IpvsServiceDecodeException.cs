using Ipvs.Core.Model;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Ipvs;

/// <summary>
/// An IPVS service entry whose key (family, protocol, address and port, or firewall mark) was read but the rest of which
/// cannot be: the agent knows which service is there without being able to compare or change it.
/// </summary>
public sealed class IpvsServiceDecodeException : NetlinkDecodeException
{
    public IpvsServiceDecodeException()
    {
    }

    public IpvsServiceDecodeException(string message)
        : base(message)
    {
    }

    public IpvsServiceDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IpvsServiceDecodeException(VirtualServiceKey service, string message, Exception innerException)
        : base(message, innerException) => Service = service;

    /// <summary>The service the undecodable entry is.</summary>
    public VirtualServiceKey? Service { get; }
}
