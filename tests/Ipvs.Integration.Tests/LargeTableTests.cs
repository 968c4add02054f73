using System.Diagnostics;
using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Client;

namespace Ipvs.Integration.Tests;

/// <summary>10k services x 10 real servers loaded with the batch API into a fresh namespace and read back whole.</summary>
public sealed class LargeTableTests(ITestOutputHelper output)
{
    private const int Services = 10_000;
    private const int ServersPerService = 10;

    [Fact]
    public async Task ListAll_TenThousandServicesTimesTen_ReturnsAllEntries()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("large");
        using IpvsClient client = IpvsClient.OpenInNamespace(lab.Path);
        List<IpvsCommand> operations = LoadOperations(Services, ServersPerService);

        var load = Stopwatch.StartNew();
        IpvsBatchResult result = client.Apply(operations);
        load.Stop();
        var dump = Stopwatch.StartNew();
        List<IpvsServiceSnapshot> table = client.ListAll();
        dump.Stop();

        result.ThrowIfFailed();
        Assert.Equal(Services, table.Count);
        Assert.All(table, snapshot => Assert.Equal(ServersPerService, snapshot.RealServers.Count));
        Assert.Equal(Services * (1 + ServersPerService), table.Count + table.Sum(snapshot => snapshot.RealServers.Count));
        string report =
            $"large-table: load {operations.Count} ops in {load.Elapsed.TotalSeconds:0.000} s ({result.Datagrams} datagrams, {result.Syscalls} syscalls); " +
            $"dump {table.Count + table.Sum(snapshot => snapshot.RealServers.Count)} entries in {dump.Elapsed.TotalSeconds:0.000} s";
        output.WriteLine(report);
        Console.Error.WriteLine(report);
    }

    /// <summary>Services 10.50.x.y:80 (TCP), server z of each at 10.(60+z).x.y:8080: deterministic and distinct.</summary>
    internal static List<IpvsCommand> LoadOperations(int services, int serversPerService)
    {
        List<IpvsCommand> operations = new(services * (1 + serversPerService));
        for (int index = 0; index < services; index++)
        {
            var key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse($"10.50.{index / 250}.{(index % 250) + 1}"), 80);
            operations.Add(IpvsCommand.AddService(VirtualService.Create(key, "rr")));
            for (int server = 0; server < serversPerService; server++)
            {
                var address = NetAddress.Parse($"10.{60 + server}.{index / 250}.{(index % 250) + 1}");
                operations.Add(IpvsCommand.AddDestination(key, new RealServer(address, 8080, ForwardingMethod.Masquerade, 1)));
            }
        }

        return operations;
    }
}
