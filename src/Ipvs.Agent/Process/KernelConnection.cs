using Ipvs.Core.Kernel;
using Ipvs.Engine;
using Ipvs.Netlink;

namespace Ipvs.Agent.Process;

/// <summary>Opens the kernel for a verb or the daemon, turning the socket's refusals into a clear failure.</summary>
internal static class KernelConnection
{
    /// <exception cref="CommandFailedException">IPVS cannot be opened: missing module, no permission, or another errno, in words (exit 3).</exception>
    public static IKernelGateway Open(Func<IKernelGateway> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return open();
        }
        catch (NetlinkException exception)
        {
            throw new CommandFailedException(ExitCodes.Runtime, exception.Kind switch
            {
                KernelErrorKind.FamilyNotFound => exception.Message,
                KernelErrorKind.PermissionDenied => $"not allowed to use IPVS: run as root or with CAP_NET_ADMIN ({exception.Message})",
                _ => $"cannot open IPVS: {exception.Message}",
            });
        }
    }
}
