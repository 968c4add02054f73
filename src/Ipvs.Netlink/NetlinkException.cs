using Ipvs.Core.Kernel;

namespace Ipvs.Netlink;

/// <summary>A netlink request failed: the errno, the request it answered and the kernel's own explanation.</summary>
public class NetlinkException : Exception
{
    public NetlinkException()
        : this(KernelErrorKind.Other, 0, "netlink request", null, "A netlink request failed.")
    {
    }

    public NetlinkException(string message)
        : this(KernelErrorKind.Other, 0, "netlink request", null, message)
    {
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "netlink request";
    }

    public NetlinkException(KernelErrorKind kind, int errno, string operation, string? kernelMessage, string message)
        : base(message)
    {
        Kind = kind;
        Errno = errno;
        Operation = operation;
        KernelMessage = kernelMessage;
    }

    public KernelErrorKind Kind { get; }

    /// <summary>Positive errno, or 0 when the failure was not an errno (interrupted dumps, protocol errors).</summary>
    public int Errno { get; }

    /// <summary>The request, e.g. <c>IPVS_CMD_NEW_SERVICE TCP 10.0.0.1:80</c>.</summary>
    public string Operation { get; }

    /// <summary>The kernel's extended-ACK text, if it gave one.</summary>
    public string? KernelMessage { get; }
}

/// <summary>The feature a request needs is missing from the running kernel.</summary>
public sealed class IpvsFeatureNotSupportedException : NotSupportedException
{
    public IpvsFeatureNotSupportedException()
    {
        Feature = string.Empty;
        KernelRelease = string.Empty;
    }

    public IpvsFeatureNotSupportedException(string message)
        : base(message)
    {
        Feature = string.Empty;
        KernelRelease = string.Empty;
    }

    public IpvsFeatureNotSupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Feature = string.Empty;
        KernelRelease = string.Empty;
    }

    public IpvsFeatureNotSupportedException(string feature, string kernelRelease, string sinceRelease)
        : base($"{feature} needs Linux {sinceRelease} or later; this kernel is {kernelRelease}.")
    {
        Feature = feature;
        KernelRelease = kernelRelease;
    }

    public string Feature { get; }

    public string KernelRelease { get; }
}
