using Ipvs.Core.Model;

namespace Ipvs.Engine;

/// <summary>
/// The host's source NAT for the agent's NAT connections: what lets a masquerade real server on another host answer
/// through this node (docs/architecture.md, "Source NAT").
/// </summary>
internal interface ISourceNat
{
    /// <summary>
    /// Makes the host's rules source-NAT the NAT connections of exactly <paramref name="families"/> (none: the agent's
    /// rules are removed); returns what changed, and what it could not do that is no failure (no uplink found). Rules already in place are looked at again only when
    /// <paramref name="recheck"/> is set (a full resync: someone may have flushed them).
    /// </summary>
    /// <exception cref="SourceNatSyncException">The rules could not be brought there; the message says why.</exception>
    SourceNatOutcome Sync(IReadOnlySet<IpFamily> families, bool recheck);
}
