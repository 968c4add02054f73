using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Netlink;
using Ipvs.Netlink.Client;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// Deletes the conntrack entries that keep steering UDP clients to a real server the agent deleted. IPVS drops its own
/// entries (expire_nodest_conn) and the conntrack entries it made itself, but a flow NATed by conntrack before IPVS saw
/// it (a published port DNATed to the VIP) keeps its binding to the old server for as long as the client keeps sending:
/// measured in the lab, such a client was answered by the removed server for as long as the test ran (20 s).
/// A server only set to weight 0 is not a deletion, and nothing is cut for it.
/// </summary>
internal sealed class UdpFlowCleanup(Func<ConntrackClient> open, ILogger log, string procSys = "/proc/sys") : IDisposable
{
    private ConntrackClient? _client;

    /// <summary>Takes the real-server deletions the kernel accepted; cleans the UDP ones' flows.</summary>
    public void ServersDeleted(IReadOnlyList<IpvsOperation> deletions)
    {
        ArgumentNullException.ThrowIfNull(deletions);
        var byFamily = deletions
            .Where(deletion => deletion.Kind == IpvsOperationKind.DeleteServer && deletion.ServiceKey.Protocol == IpvsProtocol.Udp && deletion.Server is not null)
            .GroupBy(deletion => deletion.Server!.Value.Key.Address.Family)
            .ToList();
        if (byFamily.Count == 0 || !HasConntrackEntries())
        {
            return;
        }

        foreach (IGrouping<IpFamily, IpvsOperation> family in byFamily)
        {
            try
            {
                _client ??= open();
                Dictionary<RealServerKey, int> deleted = _client.DeleteFlowsTranslatedTo(IpvsProtocol.Udp, [.. family.Select(deletion => deletion.Server!.Value.Key)]);
                foreach (IpvsOperation deletion in family)
                {
                    RealServerKey server = deletion.Server!.Value.Key;
                    log.Information("Deleted {Count} conntrack entries of UDP flows to removed real server {Server} of {Service}", deleted.GetValueOrDefault(server), server, deletion.ServiceKey);
                }
            }
            catch (NetlinkException exception)
            {
                log.Warning("Conntrack entries of UDP flows to removed real servers {Servers} not deleted: {Error}", string.Join(", ", family.Select(deletion => deletion.Server!.Value.Key)), exception.Message);
                _client?.Dispose();
                _client = null;
            }
        }
    }

    public void Dispose() => _client?.Dispose();

    /// <summary>False when conntrack is not loaded in this namespace or holds nothing: then there is nothing to clean, and no module to load for it.</summary>
    private bool HasConntrackEntries()
    {
        try
        {
            return long.TryParse(File.ReadAllText(Path.Combine(procSys, "net/netfilter/nf_conntrack_count")).Trim(), out long count) && count > 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
