namespace Ipvs.Core.Model;

/// <summary>
/// A real server's connection counts: all the agent's own table keeps of the kernel's counters for it (drains wait
/// on them, status and metrics show them). The traffic totals and rates of <see cref="RealServerStatus"/> stay with
/// the IPVS client: no agent path reads them, and at 10k x 10 they were 8 MB of every table the daemon holds.
/// </summary>
public readonly record struct RealServerConnections(uint ActiveConnections, uint InactiveConnections, uint PersistentConnections)
{
    public ulong TotalConnections => (ulong)ActiveConnections + InactiveConnections;
}
