using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;

namespace Ipvs.Integration.Tests;

/// <summary>
/// The kernel's non-atomic dumps, reproduced on purpose: the table is changed between two chunks of one dump (through a
/// tapped socket, from a second client), the raw message stream shows the kernel listing entries twice, and the client
/// still returns each entry once.
/// </summary>
[Collection(GlobalIpvsTable.Name)]
public sealed class DumpConsistencyLabTests(ITestOutputHelper output)
{
    // A service takes ~340 bytes of a 32 KiB dump chunk: 2000 make ~21 chunks, well over the 9 the kernel has filled
    // when the tap's action runs (see DumpTap).
    private const int Services = 2000;

    // A real server takes ~390 bytes: 1000 in one service make ~12 chunks.
    private const int Servers = 1000;

    private const int Changes = 3;

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ListAll_ServicesAddedBehindTheWalkBetweenChunks_RawDumpRepeatsEntriesAndListAllReturnsEachOnce()
    {
        await using TappedNamespace lab = await TappedNamespace.CreateAsync("dump-add");
        (IpvsClient client, DumpTap tap) = (lab.Client, lab.Tap);
        List<(VirtualService Service, RealServer Server)> table = ServiceHash.Table(Services);
        client.Apply([.. table.SelectMany(entry => new[] { IpvsCommand.AddService(entry.Service), IpvsCommand.AddDestination(entry.Service.Key, entry.Server) })]).ThrowIfFailed();
        HashSet<VirtualServiceKey> loaded = [.. table.Select(entry => entry.Service.Key)];
        await tap.WaitForQuietAsync(client, Services, Quiet);
        long droppedBefore = client.RepeatedEntriesDropped;
        List<VirtualServiceKey> added = lab.AddServicesBehindNextDump(Changes);

        List<IpvsServiceSnapshot> listed = client.ListAll();
        List<VirtualServiceKey> raw = [.. tap.DumpedServices];
        VirtualServiceKey[] repeated = DumpTap.Repeats(raw);
        VirtualServiceKey[] keys = [.. listed.Select(snapshot => snapshot.Service.Service.Key)];
        HashSet<VirtualServiceKey> afterwards = [.. client.ListServices().Select(entry => entry.Service.Key)];
        Report($"dump-consistency add: {Services} services dumped in {tap.ServiceDumpChunks} datagrams; after datagram 1 added {added.Count} services " +
            $"({string.Join(", ", added)}) in the buckets of dumped ones; the raw dump listed {raw.Count} entries, these twice: {string.Join(", ", repeated)}; " +
            $"ListAll returned {keys.Length} services, {keys.Distinct().Count()} distinct, dropped {client.RepeatedEntriesDropped - droppedBefore} repeats");

        Assert.True(tap.ServiceDumpChunks > NetlinkSocket.ReceiveSlots + 1, $"Only {tap.ServiceDumpChunks} chunks: the change came after the kernel had filled them all.");
        Assert.Equal(Changes, added.Count);
        // Each service added before the resume point shifts the walk by one: one more entry already listed comes again.
        Assert.Equal(Changes, repeated.Length);
        Assert.Equal(Services + Changes, raw.Count);
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(loaded, keys.ToHashSet());
        Assert.All(listed, snapshot => Assert.Single(snapshot.RealServers));
        Assert.Equal(Changes, client.RepeatedEntriesDropped - droppedBefore);
        // The added services exist: only the dump they crossed could not see them.
        Assert.Equal(loaded.Concat(added).ToHashSet(), afterwards);
    }

    [Fact]
    public async Task ListDestinations_ServersAddedBehindTheWalkBetweenChunks_RawDumpRepeatsEntriesAndEachServerComesOnce()
    {
        await using TappedNamespace lab = await TappedNamespace.CreateAsync("dump-dest");
        (IpvsClient client, DumpTap tap) = (lab.Client, lab.Tap);
        VirtualServiceKey service = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.50.0.1"), 80);
        RealServer[] servers = [.. Enumerable.Range(0, Servers)
            .Select(index => new RealServer(NetAddress.Parse($"10.60.{index / 250}.{(index % 250) + 1}"), 8080, ForwardingMethod.Masquerade, 1))];
        client.Apply([IpvsCommand.AddService(VirtualService.Create(service, "rr")), .. servers.Select(server => IpvsCommand.AddDestination(service, server))]).ThrowIfFailed();

        // A new real server goes to the head of its service's list, before any dump's resume point.
        List<RealServerKey> added = [];
        tap.AfterFirstChunkOfNextDump(IpvsKernel.IPVS_CMD_GET_DEST, () =>
        {
            for (int index = 1; index <= Changes; index++)
            {
                var server = new RealServer(NetAddress.Parse($"10.61.0.{index}"), 8080, ForwardingMethod.Masquerade, 1);
                lab.Other.AddDestination(service, server);
                added.Add(server.Key);
            }
        });

        List<RealServerEntry> listed = client.ListDestinations(service);
        List<RealServerKey> raw = [.. tap.DumpedServers];
        RealServerKey[] repeated = DumpTap.Repeats(raw);
        RealServerKey[] keys = [.. listed.Select(entry => entry.Server.Key)];
        HashSet<RealServerKey> afterwards = [.. client.ListDestinations(service).Select(entry => entry.Server.Key)];
        Report($"dump-consistency real servers: {Servers} real servers dumped in {tap.ServerDumpChunks} datagrams; after datagram 1 added {added.Count}; " +
            $"the raw dump listed {raw.Count} entries, these twice: {string.Join(", ", repeated)}; ListDestinations returned {keys.Length}, {keys.Distinct().Count()} distinct");

        Assert.True(tap.ServerDumpChunks > NetlinkSocket.ReceiveSlots + 1, $"Only {tap.ServerDumpChunks} chunks: the change came after the kernel had filled them all.");
        Assert.Equal(Changes, repeated.Length);
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(servers.Select(server => server.Key).ToHashSet(), keys.ToHashSet());
        Assert.Equal(servers.Select(server => server.Key).Concat(added).ToHashSet(), afterwards);
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }
}
