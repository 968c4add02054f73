namespace Ipvs.Netlink.Generic;

/// <summary>One command a generic netlink family supports (CTRL_ATTR_OP_ID / CTRL_ATTR_OP_FLAGS).</summary>
public readonly record struct GenericNetlinkOperation(uint Id, uint Flags);

/// <summary>A generic netlink family as the controller (GENL_ID_CTRL) describes it.</summary>
/// <param name="Id">The message type to send the family's requests with; assigned by the kernel at registration.</param>
/// <param name="Name">Family name, e.g. <c>IPVS</c>.</param>
/// <param name="Version">The family's own version (CTRL_ATTR_VERSION).</param>
/// <param name="HeaderSize">Size of the family's user header after the genl header (0 for IPVS).</param>
/// <param name="MaxAttribute">Highest top-level attribute type the family accepts.</param>
/// <param name="Operations">The commands the family supports.</param>
public sealed record GenericNetlinkFamily(
    ushort Id,
    string Name,
    uint Version,
    uint HeaderSize,
    uint MaxAttribute,
    IReadOnlyList<GenericNetlinkOperation> Operations);
