using Ipvs.Core.Model;

namespace Ipvs.Dns.Zone;

/// <summary>One service's claim on a name: the name, the service (its VIP, port and protocol) and who declared it.</summary>
public sealed record NamedService(string Name, VirtualServiceKey Key, string Source);
