using Ipvs.Core.Model;

namespace Ipvs.Engine;

/// <summary>The VIP addresses the agent keeps on its dummy interface.</summary>
internal interface IVipAddresses
{
    /// <summary>Makes the interface carry exactly <paramref name="wanted"/> among the addresses <paramref name="manageable"/> accepts; returns what changed.</summary>
    /// <exception cref="VipSyncException">The interface could not be brought to the wanted set; the message says why.</exception>
    IReadOnlyList<string> Sync(IReadOnlySet<NetAddress> wanted, Func<NetAddress, bool> manageable);
}
