namespace Ipvs.Core.Kernel;

/// <summary>
/// What a refusal means, in one vocabulary from the socket to the report: the netlink client classifies the errno
/// once (<c>NetlinkException.Kind</c>), the reconciler's rules read the same value from each failed operation.
/// </summary>
public enum KernelErrorKind
{
    /// <summary>An errno with no more specific meaning here (unknown value, no memory, ...).</summary>
    Other,
    /// <summary>EEXIST: the service or real server to add is already there.</summary>
    AlreadyExists,
    /// <summary>ESRCH: the virtual service does not exist.</summary>
    NoSuchService,
    /// <summary>ENOENT on a real-server command: the service has no such real server (the kernel's "destination").</summary>
    NoSuchServer,
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
    /// <summary>
    /// Not a kernel answer: the operation was not sent, because it addressed a service that turned out, when the pass
    /// tried to create it, to exist and not be the agent's.
    /// </summary>
    Withheld,
}
