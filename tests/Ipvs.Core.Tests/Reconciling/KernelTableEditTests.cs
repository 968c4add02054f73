using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Reconciling;

public sealed class KernelTableEditTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly RealServer Backend = Server("10.1.1.2", 8080);

    private static IpvsOperation Operation(IpvsOperationKind kind, RealServer? server = null, VirtualService? service = null) =>
        new(kind, service ?? Service(Web), server, StaticSource, "test");

    public static TheoryData<IpvsOperationKind, bool, bool, KernelErrorKind?> Refusals => new()
    {
        // kind, service exists, server exists, the kernel's answer (ip_vs_ctl.c)
        { IpvsOperationKind.AddService, false, false, null },
        { IpvsOperationKind.AddService, true, false, KernelErrorKind.AlreadyExists },
        { IpvsOperationKind.UpdateService, false, false, KernelErrorKind.NoSuchService },
        { IpvsOperationKind.UpdateService, true, false, null },
        { IpvsOperationKind.DeleteService, false, false, KernelErrorKind.NoSuchService },
        { IpvsOperationKind.DeleteService, true, true, null },
        { IpvsOperationKind.AddServer, false, false, KernelErrorKind.NoSuchService },
        { IpvsOperationKind.AddServer, true, false, null },
        { IpvsOperationKind.AddServer, true, true, KernelErrorKind.AlreadyExists },
        { IpvsOperationKind.UpdateServer, false, false, KernelErrorKind.NoSuchService },
        { IpvsOperationKind.UpdateServer, true, false, KernelErrorKind.NoSuchServer },
        { IpvsOperationKind.UpdateServer, true, true, null },
        { IpvsOperationKind.DeleteServer, false, false, KernelErrorKind.NoSuchService },
        { IpvsOperationKind.DeleteServer, true, false, KernelErrorKind.NoSuchServer },
        { IpvsOperationKind.DeleteServer, true, true, null },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void TryApply_AnyOperation_AnswersAsTheKernel(IpvsOperationKind kind, bool serviceExists, bool serverExists, KernelErrorKind? expected)
    {
        KernelTable table = !serviceExists ? KernelTable.Empty : serverExists ? Table(InKernel(Service(Web), Backend)) : Table(InKernel(Service(Web), Array.Empty<RealServer>()));
        var edit = new KernelTableEdit(table);
        RealServer? server = kind is IpvsOperationKind.AddServer or IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer ? Backend with { Weight = 3 } : null;

        KernelErrorKind? answer = edit.TryApply(Operation(kind, server));

        Assert.Equal(expected, answer);
        Assert.Equal(expected is not null, ReferenceEquals(table, edit.ToTable()));
    }

    [Fact]
    public void TryApply_UpdateServer_KeepsItsCountersAndTakesTheNewWeight()
    {
        var edit = new KernelTableEdit(Table(InKernel(Service(Web), (Backend, Connections(active: 4)))));

        Assert.Null(edit.TryApply(Operation(IpvsOperationKind.UpdateServer, Backend with { Weight = 0 })));

        KernelRealServer after = edit.ToTable().Services[Web].RealServers[Backend.Key];
        Assert.Equal(0, after.Server.Weight);
        Assert.Equal(4u, after.Connections.ActiveConnections);
    }

    [Fact]
    public void ToTable_OneServiceTouched_SharesEveryOtherServiceWithTheOriginal()
    {
        VirtualServiceKey api = Tcp("10.99.0.20", 80);
        KernelTable table = Table(InKernel(Service(Web), Backend), InKernel(Service(api), Backend));
        var edit = new KernelTableEdit(table);

        edit.TryApply(Operation(IpvsOperationKind.DeleteServer, Backend));
        KernelTable after = edit.ToTable();

        Assert.Empty(after.Services[Web].RealServers);
        Assert.Same(table.Services[api], after.Services[api]);
        Assert.Single(table.Services[Web].RealServers);
    }

    [Fact]
    public void Apply_OperationsTheTableAlreadyReflects_ChangeNothing()
    {
        KernelTable seen = Table(InKernel(Service(Web), Backend));
        IpvsOperation[] appliedMeanwhile = [Operation(IpvsOperationKind.AddService), Operation(IpvsOperationKind.AddServer, Backend)];

        KernelTable projected = KernelTableProjection.Apply(seen, appliedMeanwhile);

        Assert.Same(seen.Services[Web], projected.Services[Web]);
        Assert.Equal([Backend.Key], projected.Services[Web].RealServers.Keys);
    }

    [Fact]
    public void Apply_AddThenDeleteAcrossServices_ProjectsTheFinalTable()
    {
        VirtualServiceKey api = Tcp("10.99.0.20", 80);
        IpvsOperation[] succeeded =
        [
            Operation(IpvsOperationKind.AddService, service: Service(api)),
            new(IpvsOperationKind.AddServer, Service(api), Backend, StaticSource, "test"),
            Operation(IpvsOperationKind.DeleteServer, Backend),
            Operation(IpvsOperationKind.DeleteService),
        ];

        KernelTable projected = KernelTableProjection.Apply(Table(InKernel(Service(Web), Backend)), succeeded);

        Assert.Equal([api], projected.Services.Keys);
        Assert.Equal([Backend.Key], projected.Services[api].RealServers.Keys);
    }

    [Fact]
    public void ToTable_Twice_Throws()
    {
        var edit = new KernelTableEdit(KernelTable.Empty);
        edit.TryApply(Operation(IpvsOperationKind.AddService));

        KernelTable made = edit.ToTable();

        Assert.Throws<InvalidOperationException>(() => edit.ToTable());
        Assert.Throws<InvalidOperationException>(() => edit.TryApply(Operation(IpvsOperationKind.AddServer, Backend)));
        Assert.Empty(made.Services[Web].RealServers); // the table it made keeps what it had
    }

    [Fact]
    public void TryApply_RoomForServersOfAnExistingService_KeepsItsServersAndAddsTheNewOnes()
    {
        RealServer second = Server("10.1.1.3", 8080);
        KernelTable table = Table(InKernel(Service(Web), (Backend, Connections(active: 2))));
        var edit = new KernelTableEdit(table);

        Assert.Null(edit.TryApply(Operation(IpvsOperationKind.AddServer, second), serversToAdd: 1));
        KernelTable after = edit.ToTable();

        Assert.Equal([Backend.Key, second.Key], after.Services[Web].OrderedRealServers.Select(server => server.Key));
        Assert.Equal(2u, after.Services[Web].RealServers[Backend.Key].Connections.ActiveConnections);
        Assert.Single(table.Services[Web].RealServers);
    }

    [Fact]
    public void Apply_NewServicesWithTheirServers_MakesEachServiceMapOnce()
    {
        const int services = 1000;
        var operations = new List<IpvsOperation>();
        for (int i = 0; i < services; i++)
        {
            VirtualService service = Service(Tcp($"10.99.{i / 250}.{(i % 250) + 1}", 80));
            operations.Add(new(IpvsOperationKind.AddService, service, null, StaticSource, "test"));
            for (int j = 0; j < 10; j++)
            {
                operations.Add(new(IpvsOperationKind.AddServer, service, Server($"10.1.1.{j + 1}", 8080), StaticSource, "test"));
            }
        }

        KernelTableProjection.Apply(KernelTable.Empty, operations); // warm
        long before = GC.GetAllocatedBytesForCurrentThread();
        KernelTable projected = KernelTableProjection.Apply(KernelTable.Empty, operations);
        long perService = (GC.GetAllocatedBytesForCurrentThread() - before) / services;

        Assert.Equal(services * 10, projected.Services.Values.Sum(service => service.RealServers.Count));
        // About 2 KB: one 11-slot map of ~110-byte entries per service, plus bookkeeping. Growing through 3, 7 and 17
        // slots, then copying into the table's own map, with traffic counters in every entry, was about 8 KB.
        Assert.InRange(perService, 0, 4_000);
    }
}
