namespace Ipvs.Core.Model;

/// <summary>Traffic counters and rate estimates the kernel keeps for a service or real server (IPVS_STATS_ATTR_*).</summary>
/// <remarks>Totals are since the entry was created or last zeroed; rates are the kernel estimator's per-second averages.</remarks>
public readonly record struct IpvsStatistics(
    ulong Connections,
    ulong IncomingPackets,
    ulong OutgoingPackets,
    ulong IncomingBytes,
    ulong OutgoingBytes,
    ulong ConnectionsPerSecond,
    ulong IncomingPacketsPerSecond,
    ulong OutgoingPacketsPerSecond,
    ulong IncomingBytesPerSecond,
    ulong OutgoingBytesPerSecond);

/// <summary>What the kernel observed for a virtual service.</summary>
public readonly record struct ServiceStatus(IpvsStatistics Statistics);

/// <summary>What the kernel observed for a real server.</summary>
public readonly record struct RealServerStatus(
    uint ActiveConnections,
    uint InactiveConnections,
    uint PersistentConnections,
    IpvsStatistics Statistics)
{
    /// <summary>The counts the agent's table keeps (and where their total is defined).</summary>
    public RealServerConnections Connections => new(ActiveConnections, InactiveConnections, PersistentConnections);
}
