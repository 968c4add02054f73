using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Ipvs.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Engine.Tests;

public sealed class ReconcilerTests : IDisposable
{
    private readonly FakeKernel _kernel = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly TestLog _log = new();
    private readonly RecordingMetrics _metrics = new();

    private Reconciler Create(IDesiredSource source, InMemoryOwnershipStore store, IVipAddresses? vips = null, ISourceNat? sourceNat = null) =>
        new(_kernel, vips, store, new DesiredStateAssembler([source], null), new Planner(Policy, DrainPolicy.Default), Policy, _time, _log.Logger, _metrics,
            sourceNat: sourceNat);

    [Fact]
    public void Run_NewNatService_SourceNatForItsFamilyGoesInBeforeTheServiceIsCreated()
    {
        var sourceNat = new RecordingSourceNat(_kernel);
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore(), sourceNat: sourceNat);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        (IReadOnlySet<IpFamily> families, bool recheck, int appliedBefore) = Assert.Single(sourceNat.Syncs);
        Assert.Equal([IpFamily.V4], families);
        Assert.True(recheck);
        Assert.Equal(0, appliedBefore);
        Assert.NotEmpty(_kernel.Applied);
    }

    [Fact]
    public void Run_ProjectedPasses_SyncSourceNatOnlyWhenTheyChangeSomethingAndWithoutRecheck()
    {
        var sourceNat = new RecordingSourceNat(_kernel);
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore(), sourceNat: sourceNat);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        int afterNothingChanged = sourceNat.Syncs.Count;
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2") with { Method = ForwardingMethod.Route })], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        Assert.Equal(1, afterNothingChanged);
        Assert.Equal(2, sourceNat.Syncs.Count);
        Assert.False(sourceNat.Syncs[1].Recheck);
        Assert.Empty(sourceNat.Syncs[1].Families);
    }

    [Fact]
    public void Run_SourceNatFailsEveryPass_ServicesStillAppliedErrorLoggedOnceAndCountedEachTime()
    {
        var sourceNat = new RecordingSourceNat(_kernel) { Failure = new SourceNatSyncException("iptables cannot be run") };
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore(), sourceNat: sourceNat);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.NotNull(_kernel.Find(Tcp("10.99.0.10")));
        Assert.Equal(3, _metrics.Errors["source_nat"]);
        Assert.Single(_log.Messages(LogEventLevel.Error), message => message.Contains("iptables cannot be run", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_NewService_PutsItsVipUpBeforeTheServiceIsCreated()
    {
        var vips = new RecordingVips(_kernel);
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore(), vips);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        (IReadOnlySet<NetAddress> wanted, int appliedBefore) = Assert.Single(vips.Syncs);
        Assert.Equal([NetAddress.Parse("10.99.0.10")], wanted);
        Assert.Equal(0, appliedBefore);
        Assert.NotEmpty(_kernel.Applied);
    }

    [Fact]
    public void Run_RetiredServiceStillDraining_KeepsItsVipUntilTheServiceIsGone()
    {
        VirtualService web = Service("10.99.0.10");
        RealServer busy = Server("10.1.1.2");
        _kernel.AddService(web, busy);
        _kernel.SetConnections(web.Key, busy.Key, active: 3);
        var vips = new RecordingVips(_kernel);
        Reconciler reconciler = Create(Source(), new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(web.Key)), vips);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        bool drainingAfterFirstPass = _kernel.Find(web.Key) is not null;
        _kernel.SetConnections(web.Key, busy.Key, active: 0);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.True(drainingAfterFirstPass);
        Assert.Equal(2, vips.Syncs.Count);
        Assert.Contains(NetAddress.Parse("10.99.0.10"), vips.Syncs[0].Wanted);
        Assert.Empty(vips.Syncs[1].Wanted);
        Assert.Null(_kernel.Find(web.Key));
    }

    [Fact]
    public void Run_NewService_AddsItAndJournalsOwnership()
    {
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"))), store);

        ReconcileReport report = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Equal(3, report.Outcome.Count);
        Assert.Equal(2, _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Count);
        Assert.True(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.Contains(_log.Messages(LogEventLevel.Information), message => message.Contains("Add service TCP 10.99.0.10:80", StringComparison.Ordinal)
            && message.Contains("static file", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_KernelHasAnUnreadableEntry_WarnsOnceNamingItAndServesTheRest()
    {
        const string Problem = "Service TCP 192.0.2.80:80: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).";
        _kernel.Unreadable.Add(Problem);
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore());

        ReconcileReport first = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _ = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Empty(first.Outcome.Failures);
        Assert.Single(_kernel.Find(Tcp("10.99.0.10"))!.RealServers);
        Assert.Single(_log.Messages(LogEventLevel.Warning), message => message.Contains("192.0.2.80:80", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_DesiredCollidesWithAnUnreadableForeignEntry_ConflictWarnedOnceAndNothingSent()
    {
        const string Problem = "Service TCP 10.99.0.10:80: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).";
        _kernel.Unreadable.Add(Problem);
        _kernel.UnreadableServices[Tcp("10.99.0.10")] = Problem;
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")), Declare(Service("10.99.0.11"), Server("10.1.1.3"))), new InMemoryOwnershipStore());

        ReconcileReport first = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _ = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Empty(first.Outcome.Failures);
        Assert.Null(_kernel.Find(Tcp("10.99.0.10")));
        Assert.NotNull(_kernel.Find(Tcp("10.99.0.11")));
        Assert.DoesNotContain(_kernel.Applied, operation => operation.Service.Key == Tcp("10.99.0.10"));
        Assert.Single(_log.Messages(LogEventLevel.Warning), message => message.Contains("not readable by it", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Messages(LogEventLevel.Warning), message => message.Contains("stale", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Run_SomeOperationsRejected_AppliesTheRestAndLogsEachFailure()
    {
        _kernel.Reject = operation => operation.Server?.Address == NetAddress.Parse("10.1.1.3") ? "EINVAL: bad real server" : null;
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"), Server("10.1.1.4"))), new InMemoryOwnershipStore());

        ReconcileReport report = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Single(report.Outcome.Failures);
        Assert.Equal(
            [NetAddress.Parse("10.1.1.2"), NetAddress.Parse("10.1.1.4")],
            _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Keys.Select(key => key.Address).Order().ToArray());
        Assert.Contains(_log.Messages(LogEventLevel.Error), message => message.Contains("10.1.1.3", StringComparison.Ordinal) && message.Contains("EINVAL", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_AddServiceRejectedAsExisting_DoesNotClaimOwnership()
    {
        _kernel.Reject = operation => operation.Kind == IpvsOperationKind.AddService ? "EEXIST: created by someone else meanwhile" : null;
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.False(reconciler.Ownership.Owns(Tcp("10.99.0.10")));
    }

    [Fact]
    public void Run_ReadMissedAnOwnedService_WarnsOnceAsAStaleReadAndTheNextPassReadsTheKernel()
    {
        VirtualService web = Service("10.99.0.10");
        _kernel.AddService(web, Server("10.1.1.2"), Server("10.1.1.3"));
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(web.Key));
        Reconciler reconciler = Create(Source(Declare(web, Server("10.1.1.2"), Server("10.1.1.3"))), journal);
        _kernel.MissedByNextRead.Add(web.Key);

        ReconcileReport stale = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        bool projectionDropped = reconciler.LastTable is null;
        ReconcileReport next = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        Assert.True(stale.StaleRead);
        Assert.Equal(3, stale.Outcome.Failures.Count);
        string warning = Assert.Single(_log.Messages(LogEventLevel.Warning));
        Assert.Contains("add service TCP 10.99.0.10:80: it already exists (and 2 more refusals like it)", warning, StringComparison.Ordinal);
        Assert.Contains("dump is not atomic", warning, StringComparison.Ordinal);
        Assert.Contains("the next pass reads it afresh", warning, StringComparison.Ordinal);
        Assert.Empty(_log.Messages(LogEventLevel.Error));
        Assert.False(_metrics.Errors.ContainsKey("operation"));
        Assert.True(journal.Record.Owns(web.Key));
        Assert.True(projectionDropped);
        Assert.True(next.ReadKernel);
        Assert.Equal(2, _kernel.Reads);
        Assert.Empty(next.Plan.Operations);
        Assert.False(next.StaleRead);
    }

    [Fact]
    public void Run_ScopedPassChangesARealServerTheKernelLacks_IsAStaleReadThatTheNextPassRepairs()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Apply([new IpvsOperation(IpvsOperationKind.DeleteServer, Service("10.99.0.10"), Server("10.1.1.3"), null, "operator")]);
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3", weight: 4))], []);

        ReconcileReport scoped = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        ReconcileReport next = reconciler.Run(ReconcileReason.StaleRead, PassTable.Fresh);

        Assert.False(scoped.ReadKernel);
        Assert.True(scoped.StaleRead);
        Assert.Contains("change TCP 10.99.0.10:80 real server 10.1.1.3:8080: the real server does not exist", Assert.Single(_log.Messages(LogEventLevel.Warning)), StringComparison.Ordinal);
        Assert.Empty(_log.Messages(LogEventLevel.Error));
        IpvsOperation repair = Assert.Single(next.Plan.Operations);
        Assert.Equal((IpvsOperationKind.AddServer, Server("10.1.1.3").Key), (repair.Kind, repair.Server!.Value.Key));
        Assert.Equal(4, _kernel.Find(Tcp("10.99.0.10"))!.RealServers[Server("10.1.1.3").Key].Server.Weight);
    }

    [Fact]
    public void Run_ReadMissedAForeignServiceThatIsDesired_DoesNotAdoptItAndTheNextPassReportsTheCollision()
    {
        _kernel.AddService(Service("10.99.0.10"), Server("10.1.1.9"));
        _kernel.MissedByNextRead.Add(Tcp("10.99.0.10"));
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.9"))), store);

        ReconcileReport first = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        ReconcileReport next = reconciler.Run(ReconcileReason.StaleRead, PassTable.Fresh);

        Assert.True(first.StaleRead);
        Assert.False(reconciler.Ownership.Owns(Tcp("10.99.0.10")));
        Assert.Empty(store.Record.Services);
        Assert.Empty(next.Plan.Operations);
        Assert.Equal(PlanIssueKind.ForeignCollision, Assert.Single(next.Plan.Issues).Kind);
    }

    [Fact]
    public void Run_ReadMissedAForeignServiceWithOtherRealServers_AddsNoneOfOursToIt()
    {
        _kernel.AddService(Service("10.99.0.10"), Server("10.1.1.9"));
        _kernel.MissedByNextRead.Add(Tcp("10.99.0.10"));
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"))), new InMemoryOwnershipStore());

        ReconcileReport report = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Equal([Server("10.1.1.9").Key], _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Keys);
        Assert.Equal([KernelErrorKind.AlreadyExists, KernelErrorKind.Withheld, KernelErrorKind.Withheld], report.Outcome.Failures.Select(failure => failure.Kind));
        Assert.True(report.StaleRead);
        Assert.False(reconciler.Ownership.Owns(Tcp("10.99.0.10")));
        Assert.Contains(_log.Messages(LogEventLevel.Warning), message =>
            message.Contains("TCP 10.99.0.10:80 appeared in the kernel, made by someone else", StringComparison.Ordinal)
            && message.Contains("its 2 planned real-server operations were not sent", StringComparison.Ordinal));
        Assert.Empty(_log.Messages(LogEventLevel.Error));
    }

    [Fact]
    public void Run_PlanCreatesAServiceAndMore_SendsTheCreationFirstInABatchOfItsOwn()
    {
        _kernel.AddService(Service("10.99.0.20"), Server("10.1.1.5"));
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(Tcp("10.99.0.20")));
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")), Declare(Service("10.99.0.20"), Server("10.1.1.6"))), journal);

        ReconcileReport creating = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        ReconcileReport changing = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal(IpvsOperationKind.AddService, _kernel.Applied[0].Kind);
        Assert.Equal(2, creating.Outcome.Datagrams);
        Assert.Equal(creating.Plan.Operations.Count, creating.Outcome.Count);
        Assert.Empty(changing.Plan.Operations);
        Assert.Equal([Server("10.1.1.2").Key], _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Keys);
    }

    [Fact]
    public void Run_ReadMissedAnOwnedServiceNoLongerWanted_KeepsOwningItAndTheNextPassRemovesIt()
    {
        VirtualService web = Service("10.99.0.10");
        _kernel.AddService(web, Server("10.1.1.2"));
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(web.Key));
        Reconciler reconciler = Create(Source(), journal);
        _kernel.MissedByNextRead.Add(web.Key);

        ReconcileReport stale = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        bool ownedAfterStaleRead = journal.Record.Owns(web.Key);
        ReconcileReport next = reconciler.Run(ReconcileReason.StaleRead, PassTable.Fresh);

        Assert.True(stale.StaleRead);
        Assert.True(ownedAfterStaleRead);
        Assert.Contains(next.Plan.Operations, operation => operation.Kind == IpvsOperationKind.DeleteService && operation.ServiceKey == web.Key);
        Assert.Null(_kernel.Find(web.Key));
        Assert.Empty(journal.Record.Services);
        Assert.Contains("TCP 10.99.0.10:80: owned, no longer wanted and missing from the table", Assert.Single(_log.Messages(LogEventLevel.Warning)), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ReadMissedAnOwnedServiceThatIsDraining_TheDrainKeepsItsDeadline()
    {
        VirtualService web = Service("10.99.0.10");
        _kernel.AddService(web, Server("10.1.1.2"), Server("10.1.1.3"));
        _kernel.SetConnections(web.Key, Server("10.1.1.3").Key, active: 3);
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(web.Key));
        Reconciler reconciler = Create(Source(Declare(web, Server("10.1.1.2"))), journal);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        Drain drain = Assert.Single(journal.Record.Drains.Values);
        _time.Advance(TimeSpan.FromMinutes(1));
        _kernel.MissedByNextRead.Add(web.Key);

        ReconcileReport stale = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        Drain? afterStaleRead = journal.Record.Drains.Values.SingleOrDefault();
        _time.Advance(TimeSpan.FromMinutes(1));
        reconciler.Run(ReconcileReason.StaleRead, PassTable.Fresh);

        Assert.True(stale.StaleRead);
        Assert.Equal(drain, afterStaleRead);
        Assert.Equal(drain, Assert.Single(journal.Record.Drains.Values));
    }

    [Fact]
    public void Run_ServiceAddRefusedForItsScheduler_ItsRealServersAreFailuresNotAStaleRead()
    {
        _kernel.Reject = operation => operation.Kind == IpvsOperationKind.AddService ? "ENOENT: no such scheduler" : null;
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore());

        ReconcileReport report = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.False(report.StaleRead);
        Assert.Equal([KernelErrorKind.Other, KernelErrorKind.NoSuchService], report.Outcome.Failures.Select(failure => failure.Kind));
        Assert.Equal(2, _log.Messages(LogEventLevel.Error).Count());
        Assert.DoesNotContain(_log.Messages(LogEventLevel.Warning), message => message.Contains("not atomic", StringComparison.Ordinal));
        Assert.NotNull(reconciler.LastTable);
    }

    [Fact]
    public void Constructor_JournalSaysOwned_AdoptsAndRemovesUndesiredButLeavesForeign()
    {
        _kernel.AddService(Service("10.99.0.10"), Server("10.1.1.2"));
        _kernel.AddService(Service("10.99.0.20"), Server("10.1.1.9"));
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(Tcp("10.99.0.10")));
        Reconciler reconciler = Create(Source(), journal);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Null(_kernel.Find(Tcp("10.99.0.10")));
        Assert.NotNull(_kernel.Find(Tcp("10.99.0.20")));
        Assert.Empty(journal.Record.Services);
    }

    [Fact]
    public void Run_SourceNotReadYet_RemovesNothingOwned()
    {
        _kernel.AddService(Service("10.99.0.10"), Server("10.1.1.2"));
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(Tcp("10.99.0.10")));
        Reconciler reconciler = Create(new FixedTestSource(null), journal);

        ReconcileReport report = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Empty(report.Plan.Operations);
        Assert.NotNull(_kernel.Find(Tcp("10.99.0.10")));
        Assert.True(reconciler.Ownership.Owns(Tcp("10.99.0.10")));
    }

    [Fact]
    public void Run_ReadThatPrecededAPass_FullPassKeepsWhatThePassApplied()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        KernelRead read = reconciler.StartRead();
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"))], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.From(read));

        Assert.True(resync.ReadKernel);
        Assert.Empty(resync.Plan.Operations);
        Assert.Equal(2, _kernel.Reads);
        Assert.Equal(2, _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Count);
    }

    [Fact]
    public void Run_ReadThatPrecededAPass_FullPassStillRepairsDriftElsewhere()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")), Declare(Service("10.99.0.20"), Server("10.1.1.4")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Remove(Tcp("10.99.0.20"));
        KernelRead read = reconciler.StartRead();
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")), Declare(Service("10.99.0.20"), Server("10.1.1.4"))], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.From(read));

        Assert.Equal([(IpvsOperationKind.AddService, Tcp("10.99.0.20")), (IpvsOperationKind.AddServer, Tcp("10.99.0.20"))],
            resync.Plan.Operations.Select(operation => (operation.Kind, operation.ServiceKey)));
        Assert.Empty(resync.Outcome.Failures);
    }

    [Fact]
    public void Run_PassFailedWhileAReadRan_FullPassReadsTheKernelAgain()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        KernelRead read = reconciler.StartRead();
        _kernel.ReadFailure = new InvalidOperationException("dump interrupted");
        Assert.Throws<InvalidOperationException>(() => reconciler.Run(ReconcileReason.Retry, PassTable.Fresh));
        _kernel.ReadFailure = null;
        int readsBefore = _kernel.Reads;

        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.From(read));

        Assert.True(read.Spoiled);
        Assert.Equal(readsBefore + 1, _kernel.Reads);
        Assert.True(resync.ReadKernel);
    }

    [Fact]
    public void Run_ScopedPassKeepsTheServiceSet_SkipsTheVipSync()
    {
        var vips = new RecordingVips(_kernel);
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore(), vips);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"))], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        int afterServerAdded = vips.Syncs.Count;
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")), Declare(Service("10.99.0.11"), Server("10.1.1.4"))], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        int afterServiceAdded = vips.Syncs.Count;
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal(1, afterServerAdded);
        Assert.Equal(2, afterServiceAdded);
        Assert.Equal(3, vips.Syncs.Count);
        Assert.Equal([NetAddress.Parse("10.99.0.10"), NetAddress.Parse("10.99.0.11")], vips.Syncs[1].Wanted.Order());
    }

    [Fact]
    public void Run_LastVipSyncFailed_NextScopedPassSyncsAgain()
    {
        var vips = new RecordingVips(_kernel) { Failure = new VipSyncException("ipvs0 is gone") };
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore(), vips);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        vips.Failure = null;

        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"))], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        Assert.Equal(2, vips.Syncs.Count);
    }

    [Fact]
    public void Run_BetweenResyncs_PlansFromTheProjectedTableWithoutReadingTheKernel()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2", weight: 5))], []);

        ReconcileReport report = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        Assert.Equal(1, _kernel.Reads);
        IpvsOperation change = Assert.Single(report.Plan.Operations);
        Assert.Equal(IpvsOperationKind.UpdateServer, change.Kind);
        Assert.Equal(5, _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Values.Single().Server.Weight);
    }

    [Fact]
    public void Run_OneServiceChangedBetweenResyncs_PlansOnlyItAndKeepsTheOtherServicesIssues()
    {
        _kernel.AddService(Service("10.99.0.30"), Server("10.1.1.9"));
        ServiceDeclaration foreign = Declare(Service("10.99.0.30"), Server("10.1.1.9"));
        ServiceDeclaration web = Declare(Service("10.99.0.10"), Server("10.1.1.2"));
        FixedTestSource source = Source(foreign, web, Declare(Service("10.99.0.20"), Server("10.1.1.3")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        ReconcileReport startup = reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        source.Current = new SourceSnapshot([foreign, web, Declare(Service("10.99.0.20"), Server("10.1.1.3", weight: 4))], []);

        ReconcileReport report = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        IpvsOperation change = Assert.Single(report.Plan.Operations);
        Assert.Equal((IpvsOperationKind.UpdateServer, Tcp("10.99.0.20")), (change.Kind, change.ServiceKey));
        Assert.Equal(startup.Plan.Issues, report.Plan.Issues);
        Assert.Equal(PlanIssueKind.ForeignCollision, Assert.Single(report.Plan.Issues).Kind);
    }

    [Fact]
    public void Run_DrainDeadlinePassesBetweenResyncs_UnchangedServiceWaitsForTheFullResync()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")), Declare(Service("10.99.0.20"), Server("10.1.1.4")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.SetConnections(Tcp("10.99.0.10"), Server("10.1.1.3").Key, active: 3);
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2")), Declare(Service("10.99.0.20"), Server("10.1.1.4"))], []);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
        _time.Advance(DrainPolicy.Default.Timeout + TimeSpan.FromMinutes(1));

        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10"), Server("10.1.1.2")), Declare(Service("10.99.0.20"), Server("10.1.1.4", weight: 2))], []);
        ReconcileReport between = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal(Tcp("10.99.0.20"), Assert.Single(between.Plan.Operations).ServiceKey);
        IpvsOperation delete = Assert.Single(resync.Plan.Operations);
        Assert.Equal((IpvsOperationKind.DeleteServer, Server("10.1.1.3").Key), (delete.Kind, delete.Server!.Value.Key));
        Assert.Empty(reconciler.Ownership.Drains);
    }

    [Fact]
    public void Run_LastPassHadFailures_NextPassBetweenResyncsPlansEverything()
    {
        _kernel.Reject = operation => operation.Server?.Address == NetAddress.Parse("10.1.1.3") ? "ENOMEM: try again" : null;
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")));
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Reject = _ => null;

        ReconcileReport report = reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        IpvsOperation retried = Assert.Single(report.Plan.Operations);
        Assert.Equal((IpvsOperationKind.AddServer, Server("10.1.1.3").Key), (retried.Kind, retried.Server!.Value.Key));
        Assert.Equal(2, _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Count);
    }

    [Fact]
    public void Run_DriftAtResync_RepairsDeletedAndReweightedServers()
    {
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3", weight: 2))), new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Apply([
            new IpvsOperation(IpvsOperationKind.DeleteServer, Service("10.99.0.10"), Server("10.1.1.2"), null, "operator"),
            new IpvsOperation(IpvsOperationKind.UpdateServer, Service("10.99.0.10"), Server("10.1.1.3", weight: 9), null, "operator"),
        ]);

        ReconcileReport report = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal(2, report.Plan.Operations.Count);
        Assert.Equal([1, 2], _kernel.Find(Tcp("10.99.0.10"))!.OrderedRealServers.Select(server => server.Server.Weight).ToArray());
    }

    [Fact]
    public void Run_OwnedServiceRecreatedByHandOtherwiseConfigured_IsLeftAloneNoLongerOwnedAndNamed()
    {
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Remove(Tcp("10.99.0.10"));
        _kernel.AddService(Service("10.99.0.10", scheduler: "rr"), Server("10.1.1.9"));

        ReconcileReport report = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Empty(report.Plan.Operations);
        KernelService kept = _kernel.Find(Tcp("10.99.0.10"))!;
        Assert.Equal("rr", kept.Service.Scheduler);
        Assert.Equal([new RealServerKey(NetAddress.Parse("10.1.1.9"), 8080)], kept.RealServers.Keys);
        Assert.False(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.Contains(report.Plan.Issues, issue => issue.Kind == PlanIssueKind.ForeignCollision);
        Assert.Single(_log.Messages(LogEventLevel.Warning), message => message.Contains("scheduler wlc -> rr", StringComparison.Ordinal)
            && message.Contains("no longer owned", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_OwnedServiceEditedByHandAndNoLongerDesired_IsNotDeleted()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(source, store);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Apply([new IpvsOperation(IpvsOperationKind.UpdateService, Service("10.99.0.10", scheduler: "sh"), null, null, "operator")]);
        source.Current = new SourceSnapshot([], []);

        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal("sh", _kernel.Find(Tcp("10.99.0.10"))!.Service.Scheduler);
        Assert.Single(_kernel.Find(Tcp("10.99.0.10"))!.RealServers);
        Assert.Empty(store.Record.Services);
    }

    [Fact]
    public void Run_DesiredSchedulerChanges_JournaledAheadRecordedAfterAndStillOwnedAtResync()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(source, store);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        var intents = new List<OwnershipRecord>();
        store.BeforeSave = record => intents.Add(record);
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10", scheduler: "rr"), Server("10.1.1.2"))], []);

        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        ReconcileReport resync = reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal("rr", intents[0].Pending[Tcp("10.99.0.10")].Scheduler);
        Assert.Equal("wlc", intents[0].Configurations[Tcp("10.99.0.10")].Scheduler);
        Assert.Equal("rr", store.Record.Configurations[Tcp("10.99.0.10")].Scheduler);
        Assert.Empty(store.Record.Pending);
        Assert.True(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.Empty(resync.Plan.Issues);
    }

    [Fact]
    public void Run_SchedulerChangeRefusedByTheKernel_KeepsTheOldRecordedConfigurationAndOwnership()
    {
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(source, store);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.Reject = operation => operation.Kind == IpvsOperationKind.UpdateService ? "No such file or directory (scheduler module missing)" : null;
        source.Current = new SourceSnapshot([Declare(Service("10.99.0.10", scheduler: "mh"), Server("10.1.1.2"))], []);

        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal("wlc", store.Record.Configurations[Tcp("10.99.0.10")].Scheduler);
        Assert.True(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.DoesNotContain(_log.Messages(LogEventLevel.Warning), message => message.Contains("no longer owned", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_KernelReadFails_ThrowsAndTheNextPassReadsAgain()
    {
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), new InMemoryOwnershipStore());
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);
        _kernel.ReadFailure = new InvalidOperationException("dump interrupted");

        Assert.Throws<InvalidOperationException>(() => reconciler.Run(ReconcileReason.Resync, PassTable.Fresh));
        _kernel.ReadFailure = null;
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);

        Assert.Equal(3, _kernel.Reads);
    }

    [Fact]
    public void RemoveOwned_OwnedAndForeignServices_RemovesOnlyOwned()
    {
        _kernel.AddService(Service("10.99.0.20"), Server("10.1.1.9"));
        var store = new InMemoryOwnershipStore();
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        reconciler.RemoveOwned();

        Assert.Null(_kernel.Find(Tcp("10.99.0.10")));
        Assert.NotNull(_kernel.Find(Tcp("10.99.0.20")));
        Assert.Empty(store.Record.Services);
    }

    [Fact]
    public void Run_ConflictLastingSeveralPasses_WarnsOncePerChangeOfState()
    {
        _kernel.AddService(Service("10.99.0.10"), Server("10.9.9.9"));
        FixedTestSource source = Source(Declare(Service("10.99.0.10"), Server("10.1.1.2")));
        SourceSnapshot wanted = source.Current!;
        Reconciler reconciler = Create(source, new InMemoryOwnershipStore());
        int Warnings() => _log.Messages(LogEventLevel.Warning).Count(message => message.Contains("10.99.0.10", StringComparison.Ordinal));

        for (int pass = 0; pass < 3; pass++)
        {
            reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);
            reconciler.Run(ReconcileReason.SourceChanged, PassTable.Projected);
        }

        int whileItLasts = Warnings();
        source.Current = new SourceSnapshot([], []);
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Fresh);
        source.Current = wanted;
        reconciler.Run(ReconcileReason.SourceChanged, PassTable.Fresh);
        reconciler.Run(ReconcileReason.Resync, PassTable.Fresh);

        Assert.Equal(1, whileItLasts);
        Assert.Equal(2, Warnings());
    }

    [Fact]
    public void Run_ManualDrainOfBusyServer_SetsWeightZeroAndKeepsIt()
    {
        var drains = new FixedDrains([new ManualDrain { Server = "10.1.1.2:8080", RequestedAt = _time.GetUtcNow() }]);
        _kernel.AddService(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"));
        _kernel.SetConnections(Tcp("10.99.0.10"), Server("10.1.1.2").Key, active: 4);
        var journal = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithService(Tcp("10.99.0.10")));
        var reconciler = new Reconciler(_kernel, null, journal, new DesiredStateAssembler([Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3")))], drains),
            new Planner(Policy, DrainPolicy.Default), Policy, _time, _log.Logger, new RecordingMetrics());

        reconciler.Run(ReconcileReason.Drain, PassTable.Fresh);

        Assert.Equal(0, _kernel.Find(Tcp("10.99.0.10"))!.RealServers[Server("10.1.1.2").Key].Server.Weight);
        Assert.Single(journal.Record.Drains);
    }

    [Fact]
    public void Run_PassAboveTheThreshold_LogsASummaryAtInfoAndEachChangeAtDebug()
    {
        ServiceDeclaration[] declarations = [.. Enumerable.Range(1, 20).Select(i =>
            Declare(Service($"10.99.0.{i}"), [.. Enumerable.Range(2, 10).Select(j => Server($"10.1.1.{j}"))]))];
        Reconciler reconciler = Create(Source(declarations), new InMemoryOwnershipStore());

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        string[] info = [.. _log.Messages(LogEventLevel.Information)];
        string summary = Assert.Single(info, message => message.StartsWith("Applied 220 changes", StringComparison.Ordinal));
        Assert.Contains("20 services added, 200 real servers added", summary, StringComparison.Ordinal);
        Assert.Contains("by source: static file /etc/ipvs-agent/services.yaml", summary, StringComparison.Ordinal);
        Assert.Contains("20 services (TCP 10.99.0.1:80, TCP 10.99.0.2:80, TCP 10.99.0.3:80 and 17 more) touched", summary, StringComparison.Ordinal);
        Assert.InRange(info.Count(message => message.StartsWith("  e.g. ", StringComparison.Ordinal)), 1, 5);
        Assert.Equal(220, _log.Messages(LogEventLevel.Debug).Count(message => message.StartsWith("Add", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_PassAtTheThreshold_LogsEachChangeAtInfo()
    {
        // 9 services of 10 real servers: 99 changes.
        ServiceDeclaration[] declarations = [.. Enumerable.Range(1, 9).Select(i =>
            Declare(Service($"10.99.0.{i}"), [.. Enumerable.Range(2, 10).Select(j => Server($"10.1.1.{j}"))]))];
        Reconciler reconciler = Create(Source(declarations), new InMemoryOwnershipStore());

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Equal(99, _log.Messages(LogEventLevel.Information).Count(message => message.StartsWith("Add", StringComparison.Ordinal)));
        Assert.DoesNotContain(_log.Messages(LogEventLevel.Information), message => message.StartsWith("Applied", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_HealthSaysAServerWentDown_GivesItWeight0ThenItsWeightBack()
    {
        var health = new SwitchedHealth();
        ServiceDeclaration web = Declare(Service("10.99.0.10"), Server("10.1.1.2", weight: 3), Server("10.1.1.3")) with { Check = HealthCheck.Of(HealthCheckKind.Tcp) };
        var reconciler = new Reconciler(_kernel, null, new InMemoryOwnershipStore(), new DesiredStateAssembler([Source(web)], null, health: health),
            new Planner(Policy, DrainPolicy.Default), Policy, _time, _log.Logger, _metrics);
        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        health.Down.Add(Server("10.1.1.2").Key);
        reconciler.Run(ReconcileReason.Health, PassTable.Projected);
        int weightWhileDown = _kernel.Find(Tcp("10.99.0.10"))!.RealServers[Server("10.1.1.2").Key].Server.Weight;
        health.Down.Clear();
        reconciler.Run(ReconcileReason.Health, PassTable.Projected);

        Assert.Equal(0, weightWhileDown);
        Assert.Equal(3, _kernel.Find(Tcp("10.99.0.10"))!.RealServers[Server("10.1.1.2").Key].Server.Weight);
        Assert.NotNull(health.Tracked);
    }

    [Fact]
    public void Run_NewService_JournalsItsCreationBeforeTheKernelIsAsked()
    {
        var store = new InMemoryOwnershipStore();
        var journaled = new List<(OwnershipRecord Record, bool InKernel)>();
        store.BeforeSave = record => journaled.Add((record, _kernel.Find(Tcp("10.99.0.10")) is not null));
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store);

        reconciler.Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.Equal(2, journaled.Count);
        Assert.Equal((false, false), (journaled[0].Record.Owns(Tcp("10.99.0.10")), journaled[0].InKernel));
        Assert.Equal([Tcp("10.99.0.10")], journaled[0].Record.Pending.Keys);
        Assert.Equal((true, 0), (journaled[1].Record.Owns(Tcp("10.99.0.10")), journaled[1].Record.Pending.Count));
    }

    [Fact]
    public void Run_JournalCannotBeWritten_LeavesTheKernelUnchanged()
    {
        var store = new InMemoryOwnershipStore { BeforeSave = _ => throw new IOException("No space left on device") };
        Reconciler reconciler = Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store);

        IOException error = Assert.Throws<IOException>(() => reconciler.Run(ReconcileReason.Startup, PassTable.Fresh));

        Assert.Equal("No space left on device", error.Message);
        Assert.Empty(_kernel.Applied);
        Assert.Null(_kernel.Find(Tcp("10.99.0.10")));
    }

    [Fact]
    public void Run_StoppedBetweenTheKernelAndTheJournal_NextStartOwnsWhatItCreated()
    {
        ServiceDeclaration web = Declare(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3"));
        var crashing = new InMemoryOwnershipStore();
        crashing.BeforeSave = record =>
        {
            if (record.Pending.Count == 0)
            {
                throw new IOException("killed before the journal write");
            }
        };
        Assert.Throws<IOException>(() => Create(Source(web), crashing).Run(ReconcileReason.Startup, PassTable.Fresh));
        Assert.NotNull(_kernel.Find(Tcp("10.99.0.10")));

        var restarted = new InMemoryOwnershipStore(crashing.Record);
        Create(Source(web with { RealServers = [Server("10.1.1.2"), Server("10.1.1.4")] }), restarted).Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.True(restarted.Record.Owns(Tcp("10.99.0.10")));
        Assert.Empty(restarted.Record.Pending);
        Assert.Equal([Server("10.1.1.2").Key, Server("10.1.1.4").Key], _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Keys.Order(KeyOrder.Instance));
        Assert.Contains(_log.Messages(LogEventLevel.Information), message => message.Contains("created by the run that stopped, owned", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_PendingServiceTheKernelHasConfiguredOtherwise_LeavesItAlone()
    {
        VirtualService foreign = Service("10.99.0.10", scheduler: "rr");
        _kernel.AddService(foreign, Server("10.9.9.9"));
        var store = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithPending([Service("10.99.0.10", scheduler: "wlc")]));

        Create(Source(Declare(Service("10.99.0.10", scheduler: "wlc"), Server("10.1.1.2"))), store).Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.False(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.Empty(store.Record.Pending);
        Assert.Equal([Server("10.9.9.9").Key], _kernel.Find(Tcp("10.99.0.10"))!.RealServers.Keys);
        Assert.Contains(_log.Messages(LogEventLevel.Warning), message => message.Contains("configured otherwise: someone else's, left alone", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_PendingServiceNeverCreated_CreatesItAnew()
    {
        var store = new InMemoryOwnershipStore(OwnershipRecord.Empty.WithPending([Service("10.99.0.10")]));

        Create(Source(Declare(Service("10.99.0.10"), Server("10.1.1.2"))), store).Run(ReconcileReason.Startup, PassTable.Fresh);

        Assert.True(store.Record.Owns(Tcp("10.99.0.10")));
        Assert.Empty(store.Record.Pending);
        Assert.Single(_kernel.Find(Tcp("10.99.0.10"))!.RealServers);
    }

    /// <summary>Health the test switches: the servers in <see cref="Down"/> are down, the others up.</summary>
    private sealed class SwitchedHealth : IServerHealthSource
    {
        public HashSet<RealServerKey> Down { get; } = [];

        public DesiredState? Tracked { get; private set; }

        public void Track(DesiredState desired) => Tracked = desired;

        public ServerHealth? HealthOf(HealthTarget target) => new(!Down.Contains(target.Server), DateTimeOffset.UnixEpoch, 0, 0, null);
    }

    public void Dispose() => _kernel.Dispose();
}
