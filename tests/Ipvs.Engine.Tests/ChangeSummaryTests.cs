using Ipvs.Core.Desired;
using Ipvs.Core.Planning;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Engine.Tests;

public sealed class ChangeSummaryTests
{
    private static readonly DesiredSource File = DesiredSource.StaticFile("/etc/ipvs-agent/services.yaml", "web");

    private static IpvsOperation AddService(string vip) => new(IpvsOperationKind.AddService, Service(vip), null, File, "new service");

    private static IpvsOperation AddServer(string vip, string server, DesiredSource? source = null) =>
        new(IpvsOperationKind.AddServer, Service(vip), Server(server), source ?? File, "new real server");

    private static IpvsOperation RemoveServer(string vip, string server) =>
        new(IpvsOperationKind.DeleteServer, Service(vip), Server(server), null, "drained");

    [Theory]
    [InlineData(ChangeSummary.Threshold, false)]
    [InlineData(ChangeSummary.Threshold + 1, true)]
    public void IsLarge_AroundTheThreshold_SummarisesOnlyAbove(int changes, bool large) =>
        Assert.Equal(large, ChangeSummary.IsLarge(changes));

    [Fact]
    public void ByKind_MixedKinds_CountsInKindOrder()
    {
        IpvsOperation[] operations = [RemoveServer("10.99.0.9", "10.1.1.9"), AddServer("10.99.0.1", "10.1.1.2"), AddService("10.99.0.1"), AddServer("10.99.0.1", "10.1.1.3")];

        Assert.Equal("1 service added, 2 real servers added, 1 real server removed", ChangeSummary.ByKind(operations));
    }

    [Fact]
    public void BySource_TwoSourcesAndTheAgent_MostChangesFirstThenByName()
    {
        DesiredSource docker = DesiredSource.Container("web-1", "abc");
        IpvsOperation[] operations = [AddServer("10.99.0.1", "10.1.1.2", docker), AddServer("10.99.0.1", "10.1.1.3"), AddServer("10.99.0.1", "10.1.1.4"), RemoveServer("10.99.0.1", "10.1.1.5")];

        Assert.Equal($"static file {File.Id} 2, agent 1, {docker} 1", ChangeSummary.BySource(operations));
    }

    [Fact]
    public void BySource_ServicesOfOneFile_CountedAsTheFile()
    {
        IpvsOperation[] operations = [AddServer("10.99.0.1", "10.1.1.2"), AddServer("10.99.0.2", "10.1.1.2", DesiredSource.StaticFile(File.Id, "api"))];

        Assert.Equal("static file /etc/ipvs-agent/services.yaml 2", ChangeSummary.BySource(operations));
    }

    [Fact]
    public void BySource_ManyContainers_NamesFiveAndCountsTheRest()
    {
        IpvsOperation[] operations = [.. Enumerable.Range(1, 8).Select(i => AddServer("10.99.0.1", $"10.1.1.{i}", DesiredSource.Container($"c{i}", $"web-{i}")))];

        Assert.Equal("container c1 (web-1) 1, container c2 (web-2) 1, container c3 (web-3) 1, container c4 (web-4) 1, container c5 (web-5) 1 and 3 more sources",
            ChangeSummary.BySource(operations));
    }

    [Fact]
    public void ServicesTouched_FiveServices_NamesThreeAndCountsTheRest()
    {
        IpvsOperation[] operations = [.. Enumerable.Range(1, 5).SelectMany(i => new[] { AddService($"10.99.0.{i}"), AddServer($"10.99.0.{i}", "10.1.1.2") })];

        Assert.Equal("5 services (TCP 10.99.0.1:80, TCP 10.99.0.2:80, TCP 10.99.0.3:80 and 2 more)", ChangeSummary.ServicesTouched(operations));
    }

    [Fact]
    public void Examples_ManyOfOneKindFewOfAnother_EachKindShownInPlanOrder()
    {
        List<IpvsOperation> operations = [.. Enumerable.Range(2, 200).Select(i => AddServer("10.99.0.1", $"10.1.{i / 256}.{i % 256}"))];
        operations.Add(RemoveServer("10.99.0.9", "10.1.1.9"));

        IReadOnlyList<IpvsOperation> examples = ChangeSummary.Examples(operations);

        Assert.Equal(5, examples.Count);
        Assert.Equal(operations[..4], examples.Take(4));
        Assert.Same(operations[^1], examples[^1]);
    }
}
