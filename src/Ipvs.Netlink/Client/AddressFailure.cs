namespace Ipvs.Netlink.Client;

/// <summary>One address of a batch that the kernel refused: its index in the batch and the typed error.</summary>
public readonly record struct AddressFailure(int Index, NetlinkException Error);
