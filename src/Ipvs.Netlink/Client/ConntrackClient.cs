using Ipvs.Core.Model;
using Ipvs.Netlink.Conntrack;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;

namespace Ipvs.Netlink.Client;

/// <summary>The conntrack table of one network namespace over a NETLINK_NETFILTER socket (ctnetlink): list, delete.</summary>
public sealed class ConntrackClient : IDisposable
{
    private readonly NetlinkChannel _channel;

    /// <summary>Takes ownership of <paramref name="channel"/>.</summary>
    public ConntrackClient(NetlinkChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
    }

    public static ConntrackClient Open() => Create(NetlinkSocket.Open(ConntrackKernel.NETLINK_NETFILTER));

    public static ConntrackClient OpenInNamespace(string namespacePath) =>
        Create(NetlinkSocket.OpenInNamespace(ConntrackKernel.NETLINK_NETFILTER, namespacePath));

    /// <summary>Every entry of <paramref name="family"/> with both tuples.</summary>
    public IReadOnlyList<ConntrackEntry> List(IpFamily family)
    {
        List<ConntrackEntry> entries = [];
        _channel.Dump(
            (ref writer, sequence) => ConntrackMessages.WriteDump(ref writer, new ConntrackRequestHeader(sequence, 0), family),
            NetlinkRequestKind.Other,
            "IPCTNL_MSG_CT_GET (dump)",
            (in message) =>
            {
                if (ConntrackMessages.ReadEntry(message) is { } entry)
                {
                    entries.Add(entry);
                }
            },
            entries.Clear);
        return entries;
    }

    /// <summary>Deletes <paramref name="entry"/>; false when it is already gone (expired, or deleted by the kernel itself).</summary>
    public bool Delete(in ConntrackEntry entry)
    {
        ConntrackEntry copy = entry;
        try
        {
            _channel.Execute(
                (ref writer, sequence) => ConntrackMessages.WriteDelete(ref writer, new ConntrackRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), copy.Original, copy.Zone),
                NetlinkRequestKind.Other,
                new OperationName("IPCTNL_MSG_CT_DELETE", copy.Original));
            return true;
        }
        catch (NetlinkException exception) when (exception.Errno == SocketKernel.ENOENT)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes the entries of flows that conntrack sends to one of <paramref name="servers"/> (all of one family)
    /// although their client addressed something else (<see cref="ConntrackEntry.IsTranslatedTo"/>), from one listing
    /// of the table; returns how many it deleted for each server.
    /// </summary>
    public Dictionary<RealServerKey, int> DeleteFlowsTranslatedTo(IpvsProtocol protocol, IReadOnlyCollection<RealServerKey> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var deleted = servers.Distinct().ToDictionary(server => server, _ => 0);
        if (deleted.Count == 0)
        {
            return deleted;
        }

        foreach (ConntrackEntry entry in List(servers.First().Address.Family))
        {
            var replySource = new RealServerKey(entry.Reply.Source, entry.Reply.SourcePort);
            if (deleted.TryGetValue(replySource, out int count) && entry.IsTranslatedTo((byte)protocol, replySource) && Delete(entry))
            {
                deleted[replySource] = count + 1;
            }
        }

        return deleted;
    }

    public void Dispose() => _channel.Dispose();

    private static ConntrackClient Create(NetlinkSocket socket)
    {
        try
        {
            return new ConntrackClient(new NetlinkChannel(socket, 64 * 1024));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
