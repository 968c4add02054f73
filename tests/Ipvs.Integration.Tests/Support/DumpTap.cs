using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Wire;

namespace Ipvs.Integration.Tests.Support;

/// <summary>
/// The real netlink socket of a client, with two test hooks: it runs an action once, right after it hands over the first
/// datagram of the next service or real-server dump (so the table can be changed between two chunks of one dump), and it
/// records the entries each dump carried as the kernel sent them, before the client drops repeats.
/// </summary>
/// <remarks>
/// The socket reads ahead (one recvmmsg takes up to <see cref="NetlinkSocket.ReceiveSlots"/> datagrams, and the kernel
/// fills the next chunk of a dump inside each receive), so the action runs after the kernel has filled
/// <see cref="NetlinkSocket.ReceiveSlots"/> + 1 chunks: a dump needs more than that for the change to show.
/// </remarks>
internal sealed class DumpTap : INetlinkTransport
{
    private readonly NetlinkSocket _socket;
    private byte _dumping;
    private byte _armedCommand;
    private Action? _armed;
    private Action? _pending;

    private DumpTap(NetlinkSocket socket) => _socket = socket;

    /// <summary>Service keys of the last service dump, in the order the kernel sent them, repeats included.</summary>
    public List<VirtualServiceKey> DumpedServices { get; } = [];

    /// <summary>Real-server keys of the last real-server dump, as the kernel sent them.</summary>
    public List<RealServerKey> DumpedServers { get; } = [];

    /// <summary>Datagrams with entries in the last service dump.</summary>
    public int ServiceDumpChunks { get; private set; }

    /// <summary>Datagrams with entries in the last real-server dump.</summary>
    public int ServerDumpChunks { get; private set; }

    public uint PortId => _socket.PortId;

    public int MaxSendSize => _socket.MaxSendSize;

    public int ReceiveQueueBytes => _socket.ReceiveQueueBytes;

    public int ReceiveSize => _socket.ReceiveSize;

    public long Syscalls => _socket.Syscalls;

    /// <summary>A client on the IPVS table of the namespace at <paramref name="namespacePath"/>, over a tapped socket.</summary>
    public static (IpvsClient Client, DumpTap Tap) Open(string namespacePath)
    {
        var tap = new DumpTap(NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_GENERIC, namespacePath));
        try
        {
            return (new IpvsClient(new NetlinkChannel(tap)), tap);
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> once the first datagram of the next dump of <paramref name="command"/> is received.</summary>
    /// <param name="command"><c>IPVS_CMD_GET_SERVICE</c> or <c>IPVS_CMD_GET_DEST</c>.</param>
    /// <param name="action">What to do between the chunks; <see cref="DumpedServices"/> or <see cref="DumpedServers"/> then hold the first chunk's entries.</param>
    public void AfterFirstChunkOfNextDump(byte command, Action action)
    {
        _armedCommand = command;
        _armed = action;
    }

    /// <summary>
    /// Dumps the services until two dumps in a row list exactly <paramref name="expected"/> entries, none twice. Up to 6.1
    /// IPVS walks every namespace's services in one table, so the teardown of another namespace's table (an earlier
    /// test's, in a kernel worker) moves our dumps too; a test that reproduces that on purpose waits for it to end.
    /// </summary>
    public async Task WaitForQuietAsync(IpvsClient client, int expected, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        DateTimeOffset giveUp = DateTimeOffset.UtcNow + timeout;
        int clean = 0;
        while (clean < 2)
        {
            client.ListServices();
            bool exact = DumpedServices.Count == expected && DumpedServices.Distinct().Count() == expected;
            clean = exact ? clean + 1 : 0;
            if (!exact && DateTimeOffset.UtcNow > giveUp)
            {
                throw new TimeoutException($"The IPVS table never held still for {timeout}: the last dump listed {DumpedServices.Count} entries, {expected} expected.");
            }

            if (!exact)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>The keys that <paramref name="dumped"/> holds more than once.</summary>
    public static T[] Repeats<T>(IEnumerable<T> dumped) => [.. dumped.GroupBy(key => key).Where(group => group.Count() > 1).Select(group => group.Key)];

    public void Send(ReadOnlySpan<byte> datagram)
    {
        NetlinkHeader request = NetlinkHeader.Read(datagram);
        if (request.Type != GenericNetlinkKernel.GENL_ID_CTRL && request.HasFlag(NetlinkKernel.NLM_F_DUMP))
        {
            byte command = datagram[NetlinkHeader.Size];
            _dumping = command;
            if (command == IpvsKernel.IPVS_CMD_GET_SERVICE)
            {
                DumpedServices.Clear();
                ServiceDumpChunks = 0;
            }
            else
            {
                DumpedServers.Clear();
                ServerDumpChunks = 0;
            }

            if (_armed is not null && command == _armedCommand)
            {
                _pending = _armed;
                _armed = null;
            }
        }

        _socket.Send(datagram);
    }

    public int Receive(Span<byte> buffer)
    {
        int length = _socket.Receive(buffer);
        if (Record(buffer[..length]) && _pending is { } action)
        {
            _pending = null;
            action();
        }

        return length;
    }

    public void Dispose() => _socket.Dispose();

    /// <returns>Whether the datagram carried dump entries (the first such datagram of a dump runs the pending action).</returns>
    private bool Record(ReadOnlySpan<byte> datagram)
    {
        bool entries = false;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            if (message.Header.Type is NetlinkKernel.NLMSG_DONE or NetlinkKernel.NLMSG_ERROR or GenericNetlinkKernel.GENL_ID_CTRL
                || !message.Header.HasFlag(NetlinkKernel.NLM_F_MULTI))
            {
                continue;
            }

            switch (GenericNetlinkHeader.Read(message.Payload).Command)
            {
                case IpvsKernel.IPVS_CMD_NEW_SERVICE:
                    DumpedServices.Add(IpvsMessages.ReadService(message).Service.Key);
                    entries = true;
                    break;
                case IpvsKernel.IPVS_CMD_NEW_DEST:
                    DumpedServers.Add(IpvsMessages.ReadDestination(message, IpFamily.V4).Server.Key);
                    entries = true;
                    break;
                default:
                    break;
            }
        }

        if (entries && _dumping == IpvsKernel.IPVS_CMD_GET_SERVICE)
        {
            ServiceDumpChunks++;
        }
        else if (entries)
        {
            ServerDumpChunks++;
        }

        return entries;
    }
}
