using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink;

/// <summary>What kind of object a request addresses; the same errno means different things for each.</summary>
public enum NetlinkRequestKind
{
    Other,
    /// <summary>CTRL_CMD_GETFAMILY: ENOENT means the family is not registered.</summary>
    FamilyLookup,
    /// <summary>IPVS_CMD_NEW_SERVICE / SET_SERVICE: ENOENT means the scheduler or persistence engine is unknown.</summary>
    ServiceWrite,
    /// <summary>Other service commands.</summary>
    Service,
    /// <summary>Real-server commands: ENOENT means no such real server (ESRCH still means no such service).</summary>
    Destination,
    /// <summary>rtnetlink link and address commands: ENOENT / ENODEV mean no such interface or address.</summary>
    Interface,
}

/// <summary>The one place where an errno becomes a typed <see cref="NetlinkException"/>.</summary>
public static class NetlinkErrors
{
    public const string IpvsNotAvailableMessage =
        "IPVS is not available in this kernel: the ip_vs module is not loaded or not built (generic netlink family 'IPVS' not found)";

    public static KernelErrorKind Classify(int errno, NetlinkRequestKind request) => (errno, request) switch
    {
        (SocketKernel.EEXIST, _) => KernelErrorKind.AlreadyExists,
        (SocketKernel.ESRCH, NetlinkRequestKind.Service or NetlinkRequestKind.ServiceWrite or NetlinkRequestKind.Destination) =>
            KernelErrorKind.NoSuchService,
        (SocketKernel.ENOENT, NetlinkRequestKind.FamilyLookup) => KernelErrorKind.FamilyNotFound,
        (SocketKernel.ENOENT, NetlinkRequestKind.ServiceWrite) => KernelErrorKind.NoSuchScheduler,
        (SocketKernel.ENOENT, NetlinkRequestKind.Destination) => KernelErrorKind.NoSuchServer,
        (SocketKernel.ENOENT or SocketKernel.ENODEV or SocketKernel.EADDRNOTAVAIL, NetlinkRequestKind.Interface) => KernelErrorKind.NoSuchInterface,
        (SocketKernel.EPERM, _) => KernelErrorKind.PermissionDenied,
        (SocketKernel.EINVAL, _) => KernelErrorKind.InvalidArgument,
        _ => KernelErrorKind.Other,
    };

    /// <summary>The exception for <paramref name="errno"/> answering <paramref name="operation"/>.</summary>
    public static NetlinkException Create(int errno, NetlinkRequestKind request, string operation, string? kernelMessage = null)
    {
        KernelErrorKind kind = Classify(errno, request);
        string meaning = kind switch
        {
            KernelErrorKind.AlreadyExists => "already exists",
            KernelErrorKind.NoSuchService => "no such virtual service",
            KernelErrorKind.NoSuchServer => "no such real server in that service",
            KernelErrorKind.NoSuchScheduler => "no such scheduler or persistence engine (module ip_vs_<name> not found)",
            KernelErrorKind.PermissionDenied => "permission denied (CAP_NET_ADMIN is needed in the socket's network namespace)",
            KernelErrorKind.InvalidArgument => "invalid argument",
            KernelErrorKind.FamilyNotFound => "generic netlink family not found",
            KernelErrorKind.NoSuchInterface => "no such interface or address",
            _ => Marshal.GetPInvokeErrorMessage(errno),
        };
        string text = $"{operation} failed: {meaning} ({ErrnoName(errno)})";
        if (!string.IsNullOrEmpty(kernelMessage))
        {
            text += $"; kernel says: {kernelMessage}";
        }

        return new NetlinkException(kind, errno, operation, kernelMessage, text + ".");
    }

    /// <summary>The family lookup failed because the family does not exist: for IPVS, the dedicated clear message.</summary>
    public static NetlinkException FamilyNotFound(string familyName) => new(
        KernelErrorKind.FamilyNotFound,
        SocketKernel.ENOENT,
        $"CTRL_CMD_GETFAMILY {familyName}",
        null,
        familyName == IpvsKernel.IPVS_GENL_NAME
            ? IpvsNotAvailableMessage + "."
            : $"Generic netlink family '{familyName}' not found: its kernel module is not loaded or not built.");

    public static NetlinkException DumpInterrupted(string operation, int attempts) => new(
        KernelErrorKind.DumpInterrupted,
        0,
        operation,
        null,
        $"{operation} failed: the dump was interrupted by concurrent changes (NLM_F_DUMP_INTR) {attempts} times in a row.");

    public static NetlinkException Timeout(string operation, TimeSpan timeout) => new(
        KernelErrorKind.Timeout,
        SocketKernel.EAGAIN,
        operation,
        null,
        $"{operation} failed: no answer from the kernel within {timeout.TotalSeconds:0.#} s.");

    /// <summary>The C name of common errnos, e.g. <c>EEXIST</c>; others as <c>errno 42</c>.</summary>
    public static string ErrnoName(int errno) => errno switch
    {
        SocketKernel.EPERM => "EPERM",
        SocketKernel.ENOENT => "ENOENT",
        SocketKernel.ESRCH => "ESRCH",
        SocketKernel.EINTR => "EINTR",
        SocketKernel.EAGAIN => "EAGAIN",
        SocketKernel.ENOMEM => "ENOMEM",
        SocketKernel.EBUSY => "EBUSY",
        SocketKernel.EEXIST => "EEXIST",
        SocketKernel.ENODEV => "ENODEV",
        SocketKernel.EINVAL => "EINVAL",
        SocketKernel.EMSGSIZE => "EMSGSIZE",
        SocketKernel.ENOPROTOOPT => "ENOPROTOOPT",
        SocketKernel.EPROTONOSUPPORT => "EPROTONOSUPPORT",
        SocketKernel.EOPNOTSUPP => "EOPNOTSUPP",
        SocketKernel.EADDRNOTAVAIL => "EADDRNOTAVAIL",
        SocketKernel.ENOBUFS => "ENOBUFS",
        _ => $"errno {errno}",
    };
}
