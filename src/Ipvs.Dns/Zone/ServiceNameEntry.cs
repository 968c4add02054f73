namespace Ipvs.Dns.Zone;

/// <summary>One name in the zone: <c>&lt;name&gt;.&lt;domain&gt;</c> and its VIPs, at most one per family.</summary>
/// <param name="Name">The name's label, lower case.</param>
/// <param name="WireName">The full name in wire form, lower case.</param>
/// <param name="V4">The IPv4 VIP's 4 bytes, or null.</param>
/// <param name="V6">The IPv6 VIP's 16 bytes, or null.</param>
public sealed record ServiceNameEntry(string Name, byte[] WireName, byte[]? V4, byte[]? V6);
