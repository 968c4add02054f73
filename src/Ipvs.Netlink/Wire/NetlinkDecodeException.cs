namespace Ipvs.Netlink.Wire;

/// <summary>
/// A buffer from the kernel (or anywhere else) is not well-formed netlink: the only exception decoders throw (an IPVS
/// service whose key could be read comes as <see cref="Ipvs.IpvsServiceDecodeException"/>, which says which one).
/// </summary>
public class NetlinkDecodeException : Exception
{
    public NetlinkDecodeException()
    {
    }

    public NetlinkDecodeException(string message)
        : base(message)
    {
    }

    public NetlinkDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
