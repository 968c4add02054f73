using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Dns.Tests.Support;
using Ipvs.Dns.Zone;

namespace Ipvs.Dns.Tests.Zone;

public sealed class ServiceNameZoneTests
{
    [Fact]
    public void Build_SameNameOtherVipSameFamily_ConflictReportedFirstStands()
    {
        ServiceNameZoneBuild build = ServiceNameZone.Build("ipvs.internal", 5, 1,
        [
            TestZones.Named("web", IpvsProtocol.Tcp, "10.99.0.10", 80, "static file services.yaml (web)"),
            TestZones.Named("web", IpvsProtocol.Tcp, "10.99.0.11", 80, "container web2"),
        ]);

        string problem = Assert.Single(build.Problems);
        Assert.Contains("container web2", problem, StringComparison.Ordinal);
        Assert.Contains("static file services.yaml (web)", problem, StringComparison.Ordinal);
        Assert.Equal([10, 99, 0, 10], build.Zone.FindHost("web")!.V4);
    }

    [Fact]
    public void Build_SameNameBothFamilies_BothAddressesNoConflict()
    {
        ServiceNameZoneBuild build = ServiceNameZone.Build("ipvs.internal", 5, 1,
        [
            TestZones.Named("Web", IpvsProtocol.Tcp, "10.99.0.10", 80),
            TestZones.Named("web", IpvsProtocol.Tcp, "fd00::10", 80),
        ]);

        Assert.Empty(build.Problems);
        ServiceNameEntry entry = build.Zone.FindHost("web")!;
        Assert.NotNull(entry.V4);
        Assert.NotNull(entry.V6);
    }

    [Fact]
    public void Build_NameTooLongForALabel_ReportedAndLeftOut()
    {
        ServiceNameZoneBuild build = ServiceNameZone.Build("ipvs.internal", 5, 1, [TestZones.Named(new string('a', 64), IpvsProtocol.Tcp, "10.99.0.10", 80)]);

        Assert.Single(build.Problems);
        Assert.Empty(build.Zone.Hosts);
    }

    [Fact]
    public void NamesOf_FirewallMarkService_HasNoName()
    {
        VirtualServiceKey mark = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7);
        VirtualServiceKey web = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80);
        var state = new DesiredState(1, new Dictionary<VirtualServiceKey, DesiredService>
        {
            [mark] = new(VirtualService.Create(mark), DesiredSource.StaticFile("s.yaml", "marked"), new Dictionary<RealServerKey, DesiredRealServer>(), ["marked"]),
            [web] = new(VirtualService.Create(web), DesiredSource.StaticFile("s.yaml", "web"), new Dictionary<RealServerKey, DesiredRealServer>(), ["web"]),
        });

        NamedService named = Assert.Single(ServiceNameZone.NamesOf(state));

        Assert.Equal("web", named.Name);
    }

    [Theory]
    [InlineData("IPVS.Internal.", "ipvs.internal")]
    [InlineData(" corp.example ", "corp.example")]
    public void Normalize_Domain_LowerCaseWithoutDot(string given, string expected) => Assert.Equal(expected, ServiceNameZone.Normalize(given));
}
