using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Reconciling;

public sealed class ReconcileRulesTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly VirtualServiceKey Api = Tcp("10.99.0.20", 80);

    private static IpvsOperation Operation(IpvsOperationKind kind, VirtualServiceKey key, DesiredSource? source = null) =>
        new(kind, Service(key), kind is IpvsOperationKind.AddServer or IpvsOperationKind.UpdateServer or IpvsOperationKind.DeleteServer ? Server("10.1.1.2", 8080) : null,
            source ?? StaticSource, "test");

    private static OperationFailure Failure(IpvsOperationKind kind, VirtualServiceKey key, KernelErrorKind error) => new(Operation(kind, key), error.ToString(), error);

    private static Drain DrainOf(VirtualServiceKey key, string server) =>
        new(key, Server(server, 8080).Key, Now, Now.AddMinutes(5));

    [Theory]
    [InlineData(KernelErrorKind.AlreadyExists, IpvsOperationKind.AddService, true)]
    [InlineData(KernelErrorKind.AlreadyExists, IpvsOperationKind.AddServer, true)]
    [InlineData(KernelErrorKind.NoSuchService, IpvsOperationKind.UpdateService, true)]
    [InlineData(KernelErrorKind.NoSuchService, IpvsOperationKind.DeleteService, true)]
    [InlineData(KernelErrorKind.NoSuchService, IpvsOperationKind.AddServer, true)]
    [InlineData(KernelErrorKind.NoSuchService, IpvsOperationKind.UpdateServer, true)]
    [InlineData(KernelErrorKind.NoSuchService, IpvsOperationKind.DeleteServer, true)]
    [InlineData(KernelErrorKind.NoSuchServer, IpvsOperationKind.UpdateServer, true)]
    [InlineData(KernelErrorKind.NoSuchServer, IpvsOperationKind.DeleteServer, true)]
    [InlineData(KernelErrorKind.Other, IpvsOperationKind.AddService, false)]
    [InlineData(KernelErrorKind.Other, IpvsOperationKind.DeleteServer, false)]
    [InlineData(KernelErrorKind.InvalidArgument, IpvsOperationKind.AddServer, false)]
    [InlineData(KernelErrorKind.NoSuchScheduler, IpvsOperationKind.AddService, false)]
    public void ShowsStaleRead_KernelRefusal_IsEvidenceOnlyWhenItContradictsTheTable(KernelErrorKind error, IpvsOperationKind operation, bool expected) =>
        Assert.Equal(expected, ReconcileRules.ShowsStaleRead(Failure(operation, Web, error), new HashSet<VirtualServiceKey>()));

    [Fact]
    public void ShowsStaleRead_ServerRefusedForAServiceThisBatchFailedToCreate_IsAConsequenceNotAContradiction() =>
        Assert.False(ReconcileRules.ShowsStaleRead(Failure(IpvsOperationKind.AddServer, Web, KernelErrorKind.NoSuchService), new HashSet<VirtualServiceKey> { Web }));

    [Fact]
    public void WithholdFromForeign_CreationRefusedAsExistingAndNotOwned_WithholdsThatServicesOperationsOnly()
    {
        IpvsOperation[] operations = [Operation(IpvsOperationKind.AddService, Web), Operation(IpvsOperationKind.AddServer, Web),
            Operation(IpvsOperationKind.AddService, Api), Operation(IpvsOperationKind.AddServer, Api)];

        var (toSend, withheld) = ReconcileRules.WithholdFromForeign(operations, [Failure(IpvsOperationKind.AddService, Web, KernelErrorKind.AlreadyExists)], OwnershipRecord.Empty);

        Assert.Equal([operations[3]], toSend);
        OperationFailure only = Assert.Single(withheld);
        Assert.Same(operations[1], only.Operation);
        Assert.Equal(KernelErrorKind.Withheld, only.Kind);
    }

    [Fact]
    public void WithholdFromForeign_CreationRefusedButServiceOwned_SendsItsOperations()
    {
        IpvsOperation[] operations = [Operation(IpvsOperationKind.AddService, Web), Operation(IpvsOperationKind.AddServer, Web)];

        var (toSend, withheld) = ReconcileRules.WithholdFromForeign(operations, [Failure(IpvsOperationKind.AddService, Web, KernelErrorKind.AlreadyExists)], Owning(Web));

        Assert.Equal([operations[1]], toSend);
        Assert.Empty(withheld);
    }

    [Fact]
    public void SettleFailures_MixedFailures_SortsThemAndReleasesAServiceItFailedToCreate()
    {
        OperationFailure error = Failure(IpvsOperationKind.AddService, Web, KernelErrorKind.InvalidArgument);
        OperationFailure stale = Failure(IpvsOperationKind.DeleteServer, Api, KernelErrorKind.NoSuchServer);
        OperationFailure withheld = Failure(IpvsOperationKind.AddServer, Api, KernelErrorKind.Withheld);

        FailureSettlement settled = ReconcileRules.SettleFailures([error, stale, withheld], before: Owning(Api), next: Owning(Web, Api));

        Assert.Equal([error], settled.Errors);
        Assert.Equal([stale], settled.Stale);
        Assert.Equal([withheld], settled.Withheld);
        Assert.True(settled.StaleRead);
        Assert.False(settled.Next.Owns(Web));
        Assert.True(settled.Next.Owns(Api));
    }

    [Fact]
    public void SettleFailures_OwnedServiceTakenForMissing_KeepsItsDrains()
    {
        Drain drain = DrainOf(Web, "10.1.1.2");
        OwnershipRecord before = Owning(Web).WithDrain(drain);

        FailureSettlement settled = ReconcileRules.SettleFailures([Failure(IpvsOperationKind.AddService, Web, KernelErrorKind.AlreadyExists)], before, next: Owning(Web));

        Assert.True(settled.StaleRead);
        Assert.Equal(drain, Assert.Single(settled.Next.Drains.Values));
    }

    [Fact]
    public void SettleFailures_NoStaleRead_DropsNoDrainAndAddsNone()
    {
        OwnershipRecord before = Owning(Web).WithDrain(DrainOf(Web, "10.1.1.2"));

        FailureSettlement settled = ReconcileRules.SettleFailures([Failure(IpvsOperationKind.AddServer, Web, KernelErrorKind.Other)], before, next: Owning(Web));

        Assert.False(settled.StaleRead);
        Assert.Empty(settled.Next.Drains);
    }

    [Fact]
    public void ForgottenForMissing_OwnedServiceLeftOutOnlyBecauseTheTableLacksIt_IsAskedFor()
    {
        VirtualServiceKey refused = Tcp("10.98.0.1", 80);
        OwnershipRecord before = Owning(Web, Api, refused);

        IReadOnlyList<VirtualServiceKey> asked = ReconcileRules.ForgottenForMissing(Table(InKernel(Service(Api), Array.Empty<RealServer>())), before, Owning(), Policy);

        Assert.Equal([Web], asked);
    }

    [Fact]
    public void ForgottenForMissing_OwnershipUnchanged_AsksNothing()
    {
        OwnershipRecord before = Owning(Web);

        Assert.Empty(ReconcileRules.ForgottenForMissing(KernelTable.Empty, before, before, Policy));
    }

    [Fact]
    public void Hold_SourceNotReadYet_KeepsOnlyDeclaredOperationsAndEverythingOwned()
    {
        IpvsOperation add = Operation(IpvsOperationKind.AddServer, Web);
        IpvsOperation agentsRemoval = new(IpvsOperationKind.DeleteService, Service(Api), null, null, "no longer wanted");
        Drain drain = DrainOf(Api, "10.1.1.3");
        var plan = new Plan([add, agentsRemoval], [], Owning(Web));

        Plan held = ReconcileRules.Hold(plan, Owning(Api).WithDrain(drain));

        Assert.Equal([add], held.Operations);
        Assert.True(held.NextOwnership.Owns(Web));
        Assert.True(held.NextOwnership.Owns(Api));
        Assert.Equal(drain, Assert.Single(held.NextOwnership.Drains.Values));
    }

    [Fact]
    public void ChangedServices_AddedRemovedAndReplacedServices_AreExactlyTheChanged()
    {
        var merger = new DesiredStateMerger();
        var kept = new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)]);
        DesiredState before = merger.Merge(1, [kept, new(StaticSource, Service(Api), [Server("10.1.1.3", 8080)]), new(StaticSource, Service(Tcp("10.99.0.30", 80)), [])]).State;
        DesiredState after = merger.Merge(2, [kept, new(StaticSource, Service(Api), [Server("10.1.1.4", 8080)]), new(StaticSource, Service(Tcp("10.99.0.40", 80)), [])]).State;

        HashSet<VirtualServiceKey> changed = ReconcileRules.ChangedServices(before, after);

        Assert.Equal([Api, Tcp("10.99.0.30", 80), Tcp("10.99.0.40", 80)], changed.Order(KeyOrder.Instance));
        Assert.Empty(ReconcileRules.ChangedServices(after, after));
    }

    [Fact]
    public void CarryIssues_ScopedPlan_KeepsTheUnchangedServicesIssuesAndReplacesTheChangedOnes()
    {
        var oldWeb = new PlanIssue(PlanIssueKind.ForeignCollision, Web, null, "web old");
        var oldApi = new PlanIssue(PlanIssueKind.ForeignCollision, Api, null, "api old");
        var newWeb = new PlanIssue(PlanIssueKind.ForeignCollision, Web, null, "web new");

        IReadOnlyList<PlanIssue> issues = ReconcileRules.CarryIssues([oldWeb, oldApi], new HashSet<VirtualServiceKey> { Web }, [newWeb]);

        Assert.Equal([newWeb, oldApi], issues);
    }

    [Fact]
    public void ChangesServiceSet_OnlyServerChangesAndSameOwnership_IsFalse()
    {
        var plan = new Plan([Operation(IpvsOperationKind.UpdateServer, Web)], [], Owning(Web));

        Assert.False(ReconcileRules.ChangesServiceSet(plan, Owning(Web)));
        Assert.True(ReconcileRules.ChangesServiceSet(plan with { NextOwnership = Owning(Web, Api) }, Owning(Web)));
        Assert.True(ReconcileRules.ChangesServiceSet(new Plan([Operation(IpvsOperationKind.AddService, Api)], [], Owning(Web)), Owning(Web)));
    }

    [Fact]
    public void WantedVips_OwnedAddressServices_AreTheirAddressesWithoutMarksOrForeignOnes()
    {
        VirtualServiceKey mark = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7);
        KernelTable expected = Table(InKernel(Service(Web), Array.Empty<RealServer>()), InKernel(Service(Api), Array.Empty<RealServer>()), InKernel(Service(mark), Array.Empty<RealServer>()));

        Assert.Equal([NetAddress.Parse("10.99.0.10")], ReconcileRules.WantedVips(expected, Owning(Web, mark)));
    }

    [Fact]
    public void SourceNatFamilies_OwnedServicesWithAMasqueradeServer_AreTheFamiliesNeedingIt()
    {
        VirtualServiceKey v6 = Tcp("fd00::10", 80);
        VirtualServiceKey direct = Tcp("10.99.0.30", 80);
        VirtualServiceKey foreignV6 = Tcp("fd00::20", 80);
        KernelTable expected = Table(
            InKernel(Service(Web), Server("192.168.56.12", 8080)),
            InKernel(Service(direct), Server("192.168.56.13", 80, method: ForwardingMethod.Route)),
            InKernel(Service(v6), Server("fd00:1::2", 8080, method: ForwardingMethod.Tunnel)),
            InKernel(Service(foreignV6), Server("fd00:1::3", 8080)));

        Assert.Equal([IpFamily.V4], ReconcileRules.SourceNatFamilies(expected, Owning(Web, direct, v6)));
        Assert.Empty(ReconcileRules.SourceNatFamilies(expected, Owning(direct, v6)));
        Assert.Equal([IpFamily.V4, IpFamily.V6], ReconcileRules.SourceNatFamilies(expected, Owning(Web, foreignV6)).Order());
    }

    [Fact]
    public void SourceNatFamilies_OwnedServiceWithoutRealServers_NeedsNothing() =>
        Assert.Empty(ReconcileRules.SourceNatFamilies(Table(InKernel(Service(Web), Array.Empty<RealServer>())), Owning(Web)));

    [Fact]
    public void Succeeded_SomeFailed_KeepsTheOthersInOrder()
    {
        IpvsOperation[] operations = [Operation(IpvsOperationKind.AddService, Web), Operation(IpvsOperationKind.AddServer, Web), Operation(IpvsOperationKind.AddService, Api)];

        Assert.Equal([operations[0], operations[2]], ReconcileRules.Succeeded(operations, [new OperationFailure(operations[1], "EINVAL")]));
        Assert.Same(operations, ReconcileRules.Succeeded(operations, []));
    }

    [Fact]
    public void ConfirmIdentity_OwnedServiceConfiguredOtherwise_IsDisownedWithTheDifference()
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        VirtualServiceKey api = Tcp("10.99.0.11", 80);
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Service(web, "wrr")).WithService(Service(api, "wrr"))
            .WithDrain(new Drain(web, new RealServerKey(NetAddress.Parse("10.1.1.2"), 8080), Now, Now.AddMinutes(1)));

        OwnershipRecord next = ReconcileRules.ConfirmIdentity(record, Table(InKernel(Service(web, "rr"), Array.Empty<RealServer>()), InKernel(Service(api, "wrr"), Array.Empty<RealServer>())), out var disowned);

        Assert.Equal([api], next.Services);
        Assert.Empty(next.Drains);
        Assert.Equal([api], next.Configurations.Keys);
        (VirtualServiceKey service, string reason) = Assert.Single(disowned);
        Assert.Equal(web, service);
        Assert.Equal("scheduler wrr -> rr", reason);
    }

    [Fact]
    public void ConfirmIdentity_AsLeftOrMissing_ReturnsTheSameRecord()
    {
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Service(Tcp("10.99.0.10", 80))).WithService(Service(Tcp("10.99.0.11", 80)));
        KernelService hashed = InKernel(Service(Tcp("10.99.0.10", 80)) with { Flags = ServiceFlags.Hashed }, Array.Empty<RealServer>());

        OwnershipRecord next = ReconcileRules.ConfirmIdentity(record, Table(hashed), out var disowned);

        Assert.Same(record, next);
        Assert.Empty(disowned);
    }

    [Fact]
    public void ConfirmIdentity_OwnedWithoutRecordedConfiguration_TakesTheKernelsAndDropsUnownedOnes()
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        OwnershipRecord record = OwnershipRecord.Empty.WithService(web).WithConfigurations(
            System.Collections.Immutable.ImmutableDictionary<VirtualServiceKey, VirtualService>.Empty.Add(Tcp("10.99.0.99", 80), Service(Tcp("10.99.0.99", 80))));

        OwnershipRecord next = ReconcileRules.ConfirmIdentity(record, Table(InKernel(Service(web, "sh"), Array.Empty<RealServer>())), out var disowned);

        Assert.Empty(disowned);
        Assert.Equal([web], next.Configurations.Keys);
        Assert.Equal("sh", next.Configurations[web].Scheduler);
    }

    [Fact]
    public void Intent_CreationAndConfigurationChange_BothPendingWithTheirNewConfiguration()
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        VirtualServiceKey api = Tcp("10.99.0.11", 80);
        OwnershipRecord before = OwnershipRecord.Empty.WithService(Service(web, "wrr"));

        OwnershipRecord? intent = ReconcileRules.Intent(before, [
            new IpvsOperation(IpvsOperationKind.UpdateService, Service(web, "rr"), null, StaticSource, "scheduler wrr -> rr"),
            new IpvsOperation(IpvsOperationKind.AddService, Service(api), null, StaticSource, "new service"),
            new IpvsOperation(IpvsOperationKind.AddServer, Service(api), Server("10.1.1.2", 8080), StaticSource, "new real server"),
        ]);

        Assert.NotNull(intent);
        Assert.Equal("rr", intent.Pending[web].Scheduler);
        Assert.Equal("wrr", intent.Configurations[web].Scheduler);
        Assert.Contains(api, intent.Pending.Keys);
        Assert.Null(ReconcileRules.Intent(before, [new IpvsOperation(IpvsOperationKind.AddServer, Service(web), Server("10.1.1.2", 8080), StaticSource, "x")]));
    }

    [Theory]
    [InlineData("rr", "rr")]
    [InlineData("wrr", "wrr")]
    public void ResolvePending_ConfigurationChangeOfOwnedService_RecordsWhatTheKernelShows(string inKernel, string recorded)
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Service(web, "wrr")).WithPending([Service(web, "rr")]);

        OwnershipRecord next = ReconcileRules.ResolvePending(record, Table(InKernel(Service(web, inKernel), Array.Empty<RealServer>())), out var resolved);

        Assert.True(next.Owns(web));
        Assert.Empty(next.Pending);
        Assert.Equal(recorded, next.Configurations[web].Scheduler);
        Assert.Single(resolved);
    }

    [Fact]
    public void RecordConfigurations_AppliedCreationAndChange_RecordedOthersNot()
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        VirtualServiceKey gone = Tcp("10.99.0.12", 80);
        OwnershipRecord next = OwnershipRecord.Empty.WithService(web).WithService(Tcp("10.99.0.11", 80));

        OwnershipRecord recorded = ReconcileRules.RecordConfigurations(next, [
            new IpvsOperation(IpvsOperationKind.UpdateService, Service(web, "sh"), null, StaticSource, "scheduler"),
            new IpvsOperation(IpvsOperationKind.AddService, Service(gone), null, StaticSource, "new service"),
            new IpvsOperation(IpvsOperationKind.AddServer, Service(Tcp("10.99.0.11", 80), "lc"), Server("10.1.1.2", 8080), StaticSource, "new"),
        ]);

        Assert.Equal([web], recorded.Configurations.Keys);
        Assert.Equal("sh", recorded.Configurations[web].Scheduler);
        Assert.Same(next, ReconcileRules.RecordConfigurations(next, []));
    }
}
