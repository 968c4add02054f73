using Ipvs.Agent.SourceNat;

namespace Ipvs.Agent.Tests.SourceNat;

public sealed class HostUplinksTests
{
    [Fact]
    public void DefaultRouteInterfacesV4_RouteTable_OnlyTheUpDefaultRoutes()
    {
        const string table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
            + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            + "eth1\t00000000\t010300C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

        Assert.Equal(["eth0"], HostUplinks.DefaultRouteInterfacesV4(table));
    }

    [Fact]
    public void DefaultRouteInterfacesV6_RouteTable_SkipsTheUnreachableDefaultOnLo()
    {
        const string table =
            "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";

        Assert.Equal(["eth0"], HostUplinks.DefaultRouteInterfacesV6(table));
    }

    [Fact]
    public void For_NoDefaultRouteAndNoNodeAddress_IsNone()
    {
        string procNet = Directory.CreateTempSubdirectory("ipvs-agent-uplinks-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(procNet, "route"), "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");

            Assert.Empty(new HostUplinks(null, procNet).For(Core.Model.IpFamily.V4));
            Assert.Empty(new HostUplinks(null, procNet).For(Core.Model.IpFamily.V6));
        }
        finally
        {
            Directory.Delete(procNet, recursive: true);
        }
    }

    [Fact]
    public void For_NodeAddressOnLoopback_IsLo() =>
        Assert.Equal(["lo"], new HostUplinks(Core.Model.NetAddress.Parse("127.0.0.1")).For(Core.Model.IpFamily.V4));
}
