using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Kernel;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Client;

/// <summary>Asks the generic netlink controller for a family by name.</summary>
public static class GenericNetlinkResolver
{
    /// <summary>
    /// Resolves <paramref name="familyName"/>. An unknown name makes the kernel try to load a module first (slow),
    /// so callers resolve once per socket and keep the answer.
    /// </summary>
    public static GenericNetlinkFamily Resolve(NetlinkChannel channel, string familyName)
    {
        ArgumentNullException.ThrowIfNull(channel);
        GenericNetlinkFamily? family = null;
        try
        {
            channel.Execute(
                (ref writer, sequence) => GenericNetlinkMessages.WriteGetFamily(ref writer, sequence, familyName),
                NetlinkRequestKind.FamilyLookup,
                $"CTRL_CMD_GETFAMILY {familyName}",
                (in message) => family = GenericNetlinkMessages.ReadFamily(message));
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.FamilyNotFound)
        {
            throw NetlinkErrors.FamilyNotFound(familyName);
        }

        return family ?? throw new NetlinkException(
            $"CTRL_CMD_GETFAMILY {familyName} was acknowledged without a family description (controller id {GenericNetlinkKernel.GENL_ID_CTRL}).");
    }
}
