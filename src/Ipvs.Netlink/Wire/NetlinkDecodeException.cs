namespace Ipvs.Netlink.Wire;

/// <summary>A buffer from the kernel (or anywhere else) is not well-formed netlink: the only exception decoders throw.</summary>
public sealed class NetlinkDecodeException : Exception
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
