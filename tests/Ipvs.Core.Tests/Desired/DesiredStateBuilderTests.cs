using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Desired;

public sealed class DesiredStateBuilderTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly DesiredSource Container = DesiredSource.Container("abc123", "web-1");

    [Fact]
    public void Merge_SameServiceFromTwoSources_MergesServersAndKeepsEachSource()
    {
        DesiredMergeResult result = DesiredStateBuilder.Merge(7,
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
        DesiredMergeResult result = DesiredStateBuilder.Merge(1,
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
        DesiredMergeResult result = DesiredStateBuilder.Merge(1,
        [
            new ServiceDeclaration(StaticSource, Service(Web), [Server("10.1.1.2", 8080, weight: 3)]),
            new ServiceDeclaration(Container, Service(Web), [Server("10.1.1.2", 8080, weight: 1)]),
        ]);

        Assert.Equal(
            "TCP 10.99.0.10:80: real server 10.1.1.2:8080: weight 3 from static file services.yaml (web) but 1 from container abc123 (web-1); keeping static file services.yaml (web)",
            Assert.Single(result.Conflicts).Message);
        Assert.Equal(3, result.State.Services[Web].RealServers.Values.Single().Server.Weight);
    }
}
