using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Docker.Discovery;

/// <summary>The configuration the Docker discovery needs.</summary>
/// <param name="AllowedVips">VIP blocks and firewall-mark ranges a label may claim; anything else is refused.</param>
/// <param name="NodeAddress">This node's address for <c>address=published</c> services (config <c>NodeAddress</c>), or null.</param>
public sealed record DiscoveryOptions(OwnershipPolicy AllowedVips, NetAddress? NodeAddress = null);
