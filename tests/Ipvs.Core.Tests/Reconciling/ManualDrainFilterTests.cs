using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Core.Reconciling;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Reconciling;

public sealed class ManualDrainFilterTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly VirtualServiceKey Api = Tcp("10.99.0.11", 80);
    private static readonly RealServer Shared = Server("10.1.1.2", 8080);
    private static readonly RealServer WebOnly = Server("10.1.1.3", 8080);

    private static readonly DesiredState Desired = Want((Service(Web), [Shared, WebOnly]), (Service(Api), [Shared]));

    private static ManualDrain Drain(string? service, string? server) => new() { Service = service, Server = server, RequestedAt = Now };

    [Fact]
    public void Apply_NoDrains_ReturnsTheSameState() =>
        Assert.Same(Desired, ManualDrainFilter.Apply(Desired, []));

    [Fact]
    public void Apply_DrainsReachingNoService_ReturnsTheSameState()
    {
        DesiredState filtered = ManualDrainFilter.Apply(Desired, [Drain("TCP 10.99.0.12:80", null), Drain(null, "10.1.1.9:8080"), Drain("TCP 10.99.0.11:80", "10.1.1.3:8080")]);

        Assert.Same(Desired, filtered);
    }

    [Fact]
    public void Apply_ServerOfOneService_LeavesItOutThereOnly()
    {
        DesiredState filtered = ManualDrainFilter.Apply(Desired, [Drain("TCP 10.99.0.10:80", "10.1.1.2:8080")]);

        Assert.Equal([WebOnly.Key], filtered.Services[Web].RealServers.Keys);
        Assert.Same(Desired.Services[Api], filtered.Services[Api]);
        Assert.Equal(Desired.Services.Keys, filtered.Services.Keys);
        Assert.Equal(2, Desired.Services[Web].RealServers.Count);
    }

    [Fact]
    public void Apply_ServerInEveryService_LeavesItOutOfEach()
    {
        DesiredState filtered = ManualDrainFilter.Apply(Desired, [Drain(null, "10.1.1.2:8080")]);

        Assert.Equal([WebOnly.Key], filtered.Services[Web].RealServers.Keys);
        Assert.Empty(filtered.Services[Api].RealServers);
    }

    [Fact]
    public void Apply_WholeService_KeepsTheServiceWithoutServers()
    {
        DesiredState filtered = ManualDrainFilter.Apply(Desired, [Drain("TCP 10.99.0.10:80", null), Drain("TCP 10.99.0.10:80", "10.1.1.3:8080")]);

        Assert.Empty(filtered.Services[Web].RealServers);
        Assert.Equal(Desired.Services[Web].Service, filtered.Services[Web].Service);
        Assert.Same(Desired.Services[Api], filtered.Services[Api]);
        Assert.Equal(Desired.Revision, filtered.Revision);
    }

    [Fact]
    public void Apply_DrainNamingNothing_ThrowsInsteadOfDrainingEverything() =>
        Assert.Throws<FormatException>(() => ManualDrainFilter.Apply(Desired, [Drain(null, null)]));

    [Fact]
    public void Apply_UnparsableService_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => ManualDrainFilter.Apply(Desired, [Drain("TCP nowhere", null)]));
}
