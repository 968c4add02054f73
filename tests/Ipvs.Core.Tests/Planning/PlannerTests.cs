using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Planning;

public sealed class PlannerTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly VirtualService WebService = Service(Web);
    private static readonly RealServer A = Server("10.1.1.2", 8080, weight: 3);
    private static readonly RealServer B = Server("10.1.1.3", 8080, weight: 1);

    private static readonly Planner Planner = new(Policy, new DrainPolicy(TimeSpan.FromMinutes(5)));

    private static string[] Describe(Plan plan) => plan.Operations.Select(operation => operation.ToString()).ToArray();

    [Fact]
    public void Plan_NewService_CreatesServiceThenServersAndOwnsIt()
    {
        Plan plan = Planner.Plan(Want((WebService, [B, A])), Table(), OwnershipRecord.Empty, Now);

        Assert.Equal(
        [
            "AddService TCP 10.99.0.10:80: new service (for static file services.yaml (web))",
            "AddServer TCP 10.99.0.10:80 real server 10.1.1.2:8080: new real server (for static file services.yaml (web))",
            "AddServer TCP 10.99.0.10:80 real server 10.1.1.3:8080: new real server (for static file services.yaml (web))",
        ], Describe(plan));
        Assert.True(plan.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_NothingDiffers_IsEmptyAndKeepsRecord()
    {
        var ownership = Owning(Web);
        Plan plan = Planner.Plan(Want((WebService, [A, B])), Table(InKernel(WebService, A, B)), ownership, Now);

        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.Issues);
        Assert.Same(ownership, plan.NextOwnership);
    }

    [Fact]
    public void Plan_ReweightedServer_UpdatesInPlace()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, A.WithWeight(1))), Owning(Web), Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.UpdateServer, operation.Kind);
        Assert.Equal("weight 1 -> 3", operation.Reason);
        Assert.Equal(3, operation.Server!.Value.Weight);
    }

    [Fact]
    public void Plan_SchedulerChanged_UpdatesServiceWithoutRecreating()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(Service(Web, "rr"), A)), Owning(Web), Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.UpdateService, operation.Kind);
        Assert.Equal("scheduler rr -> wrr", operation.Reason);
    }

    [Fact]
    public void Plan_OwnedServiceFlushedFromKernel_RecreatesIt()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(), Owning(Web), Now);

        Assert.Equal([IpvsOperationKind.AddService, IpvsOperationKind.AddServer], plan.Operations.Select(operation => operation.Kind));
        Assert.Equal("recreated: missing from the kernel", plan.Operations[0].Reason);
    }

    [Fact]
    public void Plan_OwnedServiceFlushedAndNoLongerDesired_ForgetsIt()
    {
        Plan plan = Planner.Plan(Want(), Table(), Owning(Web), Now);

        Assert.True(plan.IsEmpty);
        Assert.False(plan.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_DesiredCollidesWithForeignService_ReportsConflictAndLeavesIt()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(Service(Web, "rr"), B)), OwnershipRecord.Empty, Now);

        Assert.True(plan.IsEmpty);
        PlanIssue issue = Assert.Single(plan.Issues);
        Assert.Equal(PlanIssueKind.ForeignCollision, issue.Kind);
        Assert.Equal("TCP 10.99.0.10:80: already in the kernel but not created by this agent; left alone (asked for by static file services.yaml (web))", issue.Message);
        Assert.False(plan.NextOwnership.Owns(Web));
    }

    /// <summary>A table whose only entry for <see cref="Web"/> could be keyed but not read (a foreign netmask with no prefix form).</summary>
    private static KernelTable WebUnreadable() => KernelTable.Create([], [Unreadable], new Dictionary<VirtualServiceKey, string> { [Web] = Unreadable });

    private const string Unreadable = "Service TCP 10.99.0.10:80: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).";

    [Fact]
    public void Plan_DesiredCollidesWithAForeignEntryItCannotRead_ReportsConflictAndAddsNothing()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), WebUnreadable(), OwnershipRecord.Empty, Now);

        Assert.True(plan.IsEmpty);
        PlanIssue issue = Assert.Single(plan.Issues);
        Assert.Equal(PlanIssueKind.ForeignCollision, issue.Kind);
        Assert.True(issue.LeavesDesiredUnserved);
        Assert.Contains("not readable by it", issue.Message, StringComparison.Ordinal);
        Assert.Contains("255.0.255.0 is not contiguous", issue.Message, StringComparison.Ordinal);
        Assert.False(plan.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_OwnedDesiredServiceUnreadable_LeftAloneStillOwnedAndReported()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), WebUnreadable(), Owning(Web), Now);

        Assert.True(plan.IsEmpty);
        PlanIssue issue = Assert.Single(plan.Issues);
        Assert.Equal(PlanIssueKind.UnreadableInKernel, issue.Kind);
        Assert.True(issue.LeavesDesiredUnserved);
        Assert.True(plan.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_OwnedUndesiredServiceUnreadable_NeitherDeletedNorForgotten()
    {
        Plan plan = Planner.Plan(Want(), WebUnreadable(), Owning(Web), Now);

        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.Issues);
        Assert.True(plan.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_VipOutsideOwnedBlocks_RefusesWithMessage()
    {
        VirtualServiceKey outside = Tcp("192.168.1.1", 80);
        Plan plan = Planner.Plan(Want((Service(outside), [A])), Table(), OwnershipRecord.Empty, Now);

        Assert.True(plan.IsEmpty);
        Assert.Equal(
            "TCP 192.168.1.1:80: VIP 192.168.1.1 is outside the owned VIP blocks 10.99.0.0/24, fd00::/64; not created (asked for by static file services.yaml (web)); "
            + "allow it with `allowedVipCidrs: [192.168.1.1/32]` (or a wider block) in the config file or `--allowed-vip-cidr 192.168.1.1/32`",
            Assert.Single(plan.Issues).Message);
    }

    [Fact]
    public void Plan_FirewallMarkOutsideRanges_Refuses()
    {
        VirtualServiceKey mark = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 4000);
        Plan plan = Planner.Plan(Want((Service(mark), [])), Table(), OwnershipRecord.Empty, Now);

        Assert.StartsWith("FWM 4000: firewall mark 4000 is outside the owned ranges 1-100", Assert.Single(plan.Issues).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UndesiredServerWithConnections_SetsWeightZeroAndRecordsDrain()
    {
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, (A, default), (B, Connections(4, 2)))), Owning(Web), Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.UpdateServer, operation.Kind);
        Assert.Equal(0, operation.Server!.Value.Weight);
        Assert.Equal("not desired; draining 6 connections (weight 0); weight 1 -> 0", operation.Reason);
        Drain drain = Assert.Single(plan.NextOwnership.Drains.Values);
        Assert.Equal(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)), drain);
    }

    [Fact]
    public void Plan_ServerRemovedByItsHealthCheck_DeletesItAtOnceDespiteConnections()
    {
        DesiredService web = Want((WebService, [A])).Services[Web];
        var desired = new DesiredState(1, new Dictionary<VirtualServiceKey, DesiredService>
        {
            [Web] = new(web.Service, web.Source, web.RealServers, web.Names, removedAtOnce: new HashSet<RealServerKey> { B.Key }),
        });
        var ownership = Owning(Web).WithDrain(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)));

        Plan plan = Planner.Plan(desired, Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(4, 2)))), ownership, Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal((IpvsOperationKind.DeleteServer, B.Key), (operation.Kind, operation.Server!.Value.Key));
        Assert.Equal("its health check failed (on-failure: remove): deleted at once", operation.Reason);
        Assert.Empty(plan.NextOwnership.Drains);
    }

    [Fact]
    public void Plan_DrainWithConnectionsLeft_WaitsWithoutOperations()
    {
        var ownership = Owning(Web).WithDrain(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)));
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(1)))), ownership, Now.AddMinutes(1));

        Assert.True(plan.IsEmpty);
        Assert.Same(ownership, plan.NextOwnership);
    }

    [Fact]
    public void Plan_DrainReachesZeroConnections_DeletesServer()
    {
        var ownership = Owning(Web).WithDrain(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)));
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(0)))), ownership, Now.AddMinutes(1));

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.DeleteServer, operation.Kind);
        Assert.Equal("drained: no connections left", operation.Reason);
        Assert.Empty(plan.NextOwnership.Drains);
    }

    [Fact]
    public void Plan_DrainDeadlinePassed_DeletesServerDespiteConnections()
    {
        var ownership = Owning(Web).WithDrain(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)));
        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(7)))), ownership, Now.AddMinutes(5));

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.DeleteServer, operation.Kind);
        Assert.StartsWith("drain deadline 2026-11-25T12:05:00.0000000+00:00 passed with 7 connections left", operation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UndesiredUdpServer_DeletedAtOnce()
    {
        VirtualServiceKey dns = Udp("10.99.0.53", 53);
        Plan plan = Planner.Plan(Want((Service(dns), [])), Table(InKernel(Service(dns), (B, Connections(9)))), Owning(dns), Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.DeleteServer, operation.Kind);
        Assert.Equal("not desired; UDP, deleted at once", operation.Reason);
        Assert.Empty(plan.NextOwnership.Drains);
    }

    [Fact]
    public void Plan_DrainResumedFromRecordAfterRestart_DoesNotRestartDeadline()
    {
        DateTimeOffset started = Now.AddMinutes(-10);
        var ownership = OwnershipJournal.Deserialize(OwnershipJournal.Serialize(
            Owning(Web).WithDrain(new Drain(Web, B.Key, started, started.AddMinutes(5)))));

        Plan plan = Planner.Plan(Want((WebService, [A])), Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(3)))), ownership, Now);

        Assert.Equal(IpvsOperationKind.DeleteServer, Assert.Single(plan.Operations).Kind);
    }

    [Fact]
    public void Plan_ServerReturnsWhileDraining_RestoresWeightAndEndsDrain()
    {
        var ownership = Owning(Web).WithDrain(new Drain(Web, B.Key, Now, Now + TimeSpan.FromMinutes(5)));
        Plan plan = Planner.Plan(Want((WebService, [A, B])), Table(InKernel(WebService, (A, default), (B.WithWeight(0), Connections(3)))), ownership, Now);

        IpvsOperation operation = Assert.Single(plan.Operations);
        Assert.Equal(IpvsOperationKind.UpdateServer, operation.Kind);
        Assert.Equal("wanted again while draining: weight 0 -> 1", operation.Reason);
        Assert.Empty(plan.NextOwnership.Drains);
    }

    [Fact]
    public void Plan_ServiceLeavesDesiredState_DrainsServersThenDeletesService()
    {
        KernelTable busy = Table(InKernel(WebService, (A, Connections(2)), (B, default)));
        Plan first = Planner.Plan(Want(), busy, Owning(Web), Now);

        Assert.Equal(
        [
            "DeleteServer TCP 10.99.0.10:80 real server 10.1.1.3:8080: not desired; no connections",
            "UpdateServer TCP 10.99.0.10:80 real server 10.1.1.2:8080: not desired; draining 2 connections (weight 0); weight 3 -> 0",
        ], Describe(first));
        Assert.True(first.NextOwnership.Owns(Web));

        KernelTable idle = Table(InKernel(WebService, (A.WithWeight(0), default)));
        Plan second = Planner.Plan(Want(), idle, first.NextOwnership, Now.AddSeconds(30));

        Assert.Equal(
        [
            "DeleteServer TCP 10.99.0.10:80 real server 10.1.1.2:8080: drained: no connections left",
            "DeleteService TCP 10.99.0.10:80: not desired; all real servers deleted",
        ], Describe(second));
        Assert.False(second.NextOwnership.Owns(Web));
    }

    [Fact]
    public void Plan_ForeignServiceNotDesired_IsNeverTouched()
    {
        Plan plan = Planner.Plan(Want(), Table(InKernel(WebService, A)), OwnershipRecord.Empty, Now);

        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.Issues);
    }

    [Fact]
    public void Plan_ManyServices_OrderedByKey()
    {
        VirtualServiceKey second = Tcp("10.99.0.9", 80);
        Plan plan = Planner.Plan(Want((WebService, []), (Service(second), [])), Table(), OwnershipRecord.Empty, Now);

        Assert.Equal([second, Web], plan.Operations.Select(operation => operation.ServiceKey));
    }

    [Fact]
    public void Plan_OwnedServiceNowOutsideBlocks_ReleasedAndLeftInKernel()
    {
        VirtualServiceKey old = Tcp("10.42.0.1", 80);
        Plan plan = Planner.Plan(Want(), Table(InKernel(Service(old), A)), Owning(old), Now);

        Assert.True(plan.IsEmpty);
        Assert.False(plan.NextOwnership.Owns(old));
        PlanIssue issue = Assert.Single(plan.Issues);
        Assert.Equal(PlanIssueKind.Released, issue.Kind);
        Assert.Equal(
            "TCP 10.42.0.1:80: VIP 10.42.0.1 is outside the owned VIP blocks 10.99.0.0/24, fd00::/64; the agent owned it but no longer may: left in the kernel as it is and no longer managed",
            issue.Message);
    }
}
