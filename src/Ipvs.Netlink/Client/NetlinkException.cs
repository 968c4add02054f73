namespace Ipvs.Netlink.Client;

/// <summary>What went wrong, as far as a caller needs to decide what to do next.</summary>
public enum NetlinkErrorKind
{
    /// <summary>An errno with no more specific meaning here; see <see cref="NetlinkException.Errno"/>.</summary>
    Other,
    /// <summary>EEXIST: the service or real server is already there.</summary>
    AlreadyExists,
    /// <summary>ESRCH: the virtual service does not exist.</summary>
    NoSuchService,
    /// <summary>ENOENT on a real-server command: the real server does not exist in that service.</summary>
    NoSuchDestination,
    /// <summary>ENOENT on service create/update: no scheduler (or persistence engine) module of that name.</summary>
    NoSuchScheduler,
    /// <summary>EPERM: the process lacks CAP_NET_ADMIN in the socket's network namespace.</summary>
    PermissionDenied,
    /// <summary>EINVAL: the kernel rejected a value; its extended-ACK text says which.</summary>
    InvalidArgument,
    /// <summary>The generic netlink family is not registered: for IPVS, the module is not loaded or not built.</summary>
    FamilyNotFound,
    /// <summary>A dump kept being interrupted by concurrent changes (NLM_F_DUMP_INTR) after every retry.</summary>
    DumpInterrupted,
    /// <summary>ENOENT on a link or address command: no such interface or address.</summary>
    NoSuchInterface,
    /// <summary>The kernel did not answer within the socket's receive timeout.</summary>
    Timeout,
}

/// <summary>A netlink request failed: the errno, the request it answered and the kernel's own explanation.</summary>
public class NetlinkException : Exception
{
    public NetlinkException()
        : this(NetlinkErrorKind.Other, 0, "netlink request", null, "A netlink request failed.")
    {
    }

    public NetlinkException(string message)
        : this(NetlinkErrorKind.Other, 0, "netlink request", null, message)
    {
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "netlink request";
    }

    public NetlinkException(NetlinkErrorKind kind, int errno, string operation, string? kernelMessage, string message)
        : base(message)
    {
        Kind = kind;
        Errno = errno;
        Operation = operation;
        KernelMessage = kernelMessage;
    }

    public NetlinkErrorKind Kind { get; }

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
