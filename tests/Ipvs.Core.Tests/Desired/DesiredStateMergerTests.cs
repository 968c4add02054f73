using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Desired;

public sealed class DesiredStateMergerTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly VirtualServiceKey Api = Tcp("10.99.0.11", 80);
    private static readonly DesiredSource Container = DesiredSource.Container("abc123", "web-1");

    [Fact]
    public void Merge_UnchangedDeclarations_ReusesLastServiceInstances()
    {
        var merger = new DesiredStateMerger();
        ServiceDeclaration web = new(StaticSource, Service(Web), [Server("10.1.1.2", 8080)]);
        ServiceDeclaration api = new(StaticSource, Service(Api), [Server("10.1.1.3", 8080)]);
        DesiredState first = merger.Merge(1, [web, api]).State;

        DesiredState second = merger.Merge(2, [web, api with { RealServers = [Server("10.1.1.4", 8080)] }]).State;

        Assert.Same(first.Services[Web], second.Services[Web]);
        Assert.NotSame(first.Services[Api], second.Services[Api]);
        Assert.Equal([Server("10.1.1.4", 8080).Key], second.Services[Api].RealServers.Keys);
        Assert.Equal(2, second.Revision);
    }

    [Fact]
    public void Merge_EqualButRebuiltDeclaration_ReusesLastServiceInstance()
    {
        var merger = new DesiredStateMerger();
        DesiredState first = merger.Merge(1, [new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)])]).State;

        DesiredState second = merger.Merge(2, [new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)])]).State;

        Assert.Same(first.Services[Web], second.Services[Web]);
    }

    [Fact]
    public void Merge_ServiceGainsSecondDeclaration_MergesAfreshWithBoth()
    {
        var merger = new DesiredStateMerger();
        ServiceDeclaration web = new(StaticSource, Service(Web), [Server("10.1.1.2", 8080)]);
        DesiredState first = merger.Merge(1, [web]).State;

        DesiredState second = merger.Merge(2, [web, new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.3", 8080)])]).State;

        Assert.NotSame(first.Services[Web], second.Services[Web]);
        Assert.Equal(2, second.Services[Web].RealServers.Count);
        Assert.Equal(Container, second.Services[Web].RealServers[Server("10.1.1.3", 8080).Key].Source);
    }

    [Fact]
    public void Merge_DeclarationWithConflictInside_ReportsItEveryTime()
    {
        var merger = new DesiredStateMerger();
        ServiceDeclaration web = new(StaticSource, Service(Web), [Server("10.1.1.2", 8080, weight: 1), Server("10.1.1.2", 8080, weight: 5)]);

        DesiredMergeResult first = merger.Merge(1, [web]);
        DesiredMergeResult second = merger.Merge(2, [web]);

        Assert.Single(first.Conflicts);
        Assert.Equal(first.Conflicts[0].Message, Assert.Single(second.Conflicts).Message);
        Assert.Equal(1, second.State.Services[Web].RealServers.Values.Single().Server.Weight);
    }

    [Fact]
    public void Merge_ServiceNoLongerDeclared_IsGone()
    {
        var merger = new DesiredStateMerger();
        ServiceDeclaration web = new(StaticSource, Service(Web), [Server("10.1.1.2", 8080)]);
        _ = merger.Merge(1, [web, new ServiceDeclaration(StaticSource, Service(Api), [])]);

        DesiredState second = merger.Merge(2, [web]).State;

        Assert.Equal([Web], second.Services.Keys);
    }

    [Fact]
    public void Merge_RandomDeclarationsAfterOtherMerges_EqualsAFreshMerge()
    {
        var random = new Random(20261125);
        var merger = new DesiredStateMerger();
        DesiredSource[] sources = [StaticSource, Container, DesiredSource.Container("def456")];
        VirtualServiceKey[] keys = [Web, Api, Tcp("10.99.0.12", 443)];
        List<ServiceDeclaration> declarations = [];
        for (int round = 0; round < 200; round++)
        {
            // Keep most declarations (by instance), replace or add a few.
            declarations = [.. declarations.Where(_ => random.Next(4) != 0)];
            for (int added = random.Next(3); added > 0; added--)
            {
                VirtualServiceKey key = keys[random.Next(keys.Length)];
                RealServer[] servers = [.. Enumerable.Range(2, 3).Where(_ => random.Next(2) == 0).Select(host => Server($"10.1.1.{host}", 8080, weight: random.Next(3)))];
                declarations.Insert(random.Next(declarations.Count + 1), new ServiceDeclaration(sources[random.Next(sources.Length)], Service(key, random.Next(4) == 0 ? "rr" : "wrr"), servers));
            }

            DesiredMergeResult incremental = merger.Merge(round, declarations);
            DesiredMergeResult fresh = new DesiredStateMerger().Merge(round, declarations);

            Assert.Equal(fresh.Conflicts.Select(conflict => conflict.Message), incremental.Conflicts.Select(conflict => conflict.Message));
            Assert.Equal(fresh.State.Services.Keys, incremental.State.Services.Keys);
            foreach ((VirtualServiceKey key, DesiredService expected) in fresh.State.Services)
            {
                DesiredService actual = incremental.State.Services[key];
                Assert.Equal(expected.Service, actual.Service);
                Assert.Equal(expected.Source, actual.Source);
                Assert.Equal(expected.RealServers.OrderBy(pair => pair.Key.ToString()), actual.RealServers.OrderBy(pair => pair.Key.ToString()));
            }
        }
    }

    [Fact]
    public void Merge_OneChangedAmongManyUnchanged_AllocatesLittleMoreThanTheNewState()
    {
        const int services = 1000;
        VirtualServiceKey other = Tcp("10.98.0.1", 80);
        var merger = new DesiredStateMerger();
        List<ServiceDeclaration> declarations = [.. Enumerable.Range(0, services).Select(i =>
            new ServiceDeclaration(StaticSource, Service(Tcp($"10.99.{i / 250}.{(i % 250) + 1}", 80)), [.. Enumerable.Range(1, 10).Select(j => Server($"10.1.1.{j}", 8080))]))];
        declarations.Add(new ServiceDeclaration(Container, Service(other), [Server("10.1.1.2", 8080)]));
        DesiredState first = merger.Merge(1, declarations).State;
        merger.Merge(2, declarations); // the working sets at their size
        declarations[^1] = new ServiceDeclaration(Container, Service(other), [Server("10.1.1.2", 8080), Server("10.1.1.3", 8080)]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        DesiredState changed = merger.Merge(3, declarations).State;
        long perService = (GC.GetAllocatedBytesForCurrentThread() - before) / services;

        Assert.Equal(2, changed.Services[other].RealServers.Count);
        Assert.Same(first.Services[declarations[0].Service.Key], changed.Services[declarations[0].Service.Key]);
        Assert.Equal(declarations.Select(declaration => declaration.Service.Key), changed.Services.Keys);
        // The state's own dictionary is ~100 bytes a service; a merge that made its working sets again, a service
        // being merged for each, took ~500.
        Assert.InRange(perService, 0, 200);
    }

    [Fact]
    public void Merge_SameServiceFromTwoSources_MergesServersAndKeepsEachSource()
    {
        DesiredMergeResult result = new DesiredStateMerger().Merge(7,
        [
            new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)]),
            new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.3", 8080)]),
        ]);

        Assert.Empty(result.Conflicts);
        Assert.Equal(7, result.State.Revision);
        DesiredService web = result.State.Services[Web];
        Assert.Equal(StaticSource, web.Source);
        Assert.Equal(Container, web.RealServers[Server("10.1.1.3", 8080).Key].Source);
        Assert.Equal(StaticSource, web.RealServers[Server("10.1.1.2", 8080).Key].Source);
    }

    [Fact]
    public void Merge_TwoDeclarationsWithNames_ServiceCarriesBothNamesOnce()
    {
        var merger = new DesiredStateMerger();
        ServiceDeclaration[] declarations =
        [
            new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)], "web"),
            new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.3", 8080)], "www"),
            new ServiceDeclaration(DesiredSource.Container("def456", "web-2"), Service(Web), [Server("10.1.1.4", 8080)], "web"),
        ];

        DesiredMergeResult first = merger.Merge(1, declarations);
        DesiredMergeResult alone = merger.Merge(2, [declarations[0]]);
        DesiredMergeResult renamed = merger.Merge(3, [declarations[0] with { Name = "front" }]);

        Assert.Equal(["web", "www"], first.State.Services[Web].Names);
        Assert.Equal(["web"], alone.State.Services[Web].Names);
        Assert.Equal(["front"], renamed.State.Services[Web].Names);
    }

    [Fact]
    public void Merge_ServiceOptionsDisagree_KeepsFirstDropsLaterAndNamesBoth()
    {
        DesiredMergeResult result = new DesiredStateMerger().Merge(1,
        [
            new ServiceDeclaration(StaticSource, Service(Web, "wrr"), [Server("10.1.1.2", 8080)]),
            new ServiceDeclaration(Container, Service(Web, "rr"), [Server("10.1.1.3", 8080)]),
        ]);

        Assert.Equal(
            "TCP 10.99.0.10:80: scheduler wrr from static file services.yaml (web) but rr from container abc123 (web-1); keeping static file services.yaml (web), ignoring container abc123 (web-1) and its real servers",
            Assert.Single(result.Conflicts).Message);
        Assert.Equal("wrr", result.State.Services[Web].Service.Scheduler);
        Assert.Single(result.State.Services[Web].RealServers);
    }

    [Fact]
    public void Merge_RealServerDeclaredTwiceDifferently_KeepsFirstAndReports()
    {
        DesiredMergeResult result = new DesiredStateMerger().Merge(1,
        [
            new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080, weight: 3)]),
            new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.2", 8080, weight: 1)]),
        ]);

        Assert.Equal(
            "TCP 10.99.0.10:80: real server 10.1.1.2:8080: weight 3 from static file services.yaml (web) but 1 from container abc123 (web-1); keeping static file services.yaml (web)",
            Assert.Single(result.Conflicts).Message);
        Assert.Equal(3, result.State.Services[Web].RealServers.Values.Single().Server.Weight);
    }

    [Fact]
    public void Merge_ServiceCheckAndServerOverride_EachServerGetsItsOwn()
    {
        HealthCheck http = HealthCheck.Of(HealthCheckKind.Http);
        RealServer checkedServer = Server("10.1.1.2", 8080);
        RealServer notChecked = Server("10.1.1.3", 8080);
        var declaration = new ServiceDeclaration(StaticSource, Service(Web), [checkedServer, notChecked], Check: http,
            CheckOverrides: new Dictionary<RealServerKey, HealthCheck?> { [notChecked.Key] = null });

        DesiredService merged = new DesiredStateMerger().Merge(1, [declaration]).State.Services[Web];

        Assert.Equal(http, merged.RealServers[checkedServer.Key].Check);
        Assert.Null(merged.RealServers[notChecked.Key].Check);
        Assert.True(merged.HasChecks);
    }

    [Fact]
    public void Merge_SameServerCheckedOtherwiseBySecondSource_KeepsTheFirstAndSaysSo()
    {
        RealServer server = Server("10.1.1.2", 8080);
        var fromFile = new ServiceDeclaration(StaticSource, Service(Web), [server], Check: HealthCheck.Of(HealthCheckKind.Tcp));
        var fromContainer = new ServiceDeclaration(Container, Service(Web), [server], Check: HealthCheck.Of(HealthCheckKind.Http));

        DesiredMergeResult result = new DesiredStateMerger().Merge(1, [fromFile, fromContainer]);

        Assert.Equal(HealthCheckKind.Tcp, result.State.Services[Web].RealServers[server.Key].Check!.Kind);
        DeclarationConflict conflict = Assert.Single(result.Conflicts);
        Assert.Contains("checked otherwise by container abc123 (web-1)", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_TwoFallbacks_KeepsTheFirstAndSaysSo()
    {
        var first = new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)], Fallback: Server("10.1.1.9", 80));
        var second = new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.3", 8080)], Fallback: Server("10.1.1.8", 80));

        DesiredMergeResult result = new DesiredStateMerger().Merge(1, [first, second]);

        Assert.Equal(Server("10.1.1.9", 80), result.State.Services[Web].Fallback);
        Assert.Contains("fallback 10.1.1.9:80", Assert.Single(result.Conflicts).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_DeclarationWithAChangedCheck_IsNotReused()
    {
        var merger = new DesiredStateMerger();
        var declaration = new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080)], Check: HealthCheck.Of(HealthCheckKind.Tcp));
        DesiredState first = merger.Merge(1, [declaration]).State;

        DesiredState second = merger.Merge(2, [declaration with { Check = HealthCheck.Of(HealthCheckKind.Tcp) with { Fall = 5 } }]).State;

        Assert.NotSame(first.Services[Web], second.Services[Web]);
        Assert.Equal(5, second.Services[Web].RealServers.Values.Single().Check!.Fall);
    }
}
