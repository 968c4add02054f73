using Ipvs.Core.Model;
using Ipvs.Engine;
using Ipvs.Netlink;
using Ipvs.Netlink.Client;

namespace Ipvs.Agent.Reconciliation;

/// <summary>VIPs on the agent's dummy interface (created and brought up if absent), so local traffic to a VIP is accepted.</summary>
internal sealed class VipAddresses(VipInterface vipInterface) : IVipAddresses, IDisposable
{
    public IReadOnlyList<string> Sync(IReadOnlySet<NetAddress> wanted, Func<NetAddress, bool> manageable)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(manageable);
        try
        {
            return SyncCore(wanted, manageable);
        }
        catch (Exception exception) when (exception is NetlinkException or InvalidOperationException)
        {
            throw new VipSyncException(exception.Message, exception);
        }
    }

    private List<string> SyncCore(IReadOnlySet<NetAddress> wanted, Func<NetAddress, bool> manageable)
    {
        var changes = new List<string>();
        if (wanted.Count == 0 && vipInterface.Find() is null)
        {
            return changes;
        }

        vipInterface.EnsureUp();
        var present = vipInterface.ListAddresses().Select(address => address.Address).ToHashSet();

        // Added and removed in rtnetlink batches: one VIP per service, so a thousand services are a thousand addresses.
        foreach (NetAddress address in vipInterface.AddAddresses([.. wanted.Where(address => !present.Contains(address))]))
        {
            changes.Add($"added VIP {address} to {vipInterface.Name}");
        }

        // Only addresses inside the owned blocks are ours to remove; anything else an operator put there stays.
        foreach (NetAddress address in vipInterface.RemoveAddresses([.. present.Where(address => !wanted.Contains(address) && manageable(address))]))
        {
            changes.Add($"removed VIP {address} from {vipInterface.Name}");
        }

        return changes;
    }

    public void Dispose() => vipInterface.Dispose();
}
