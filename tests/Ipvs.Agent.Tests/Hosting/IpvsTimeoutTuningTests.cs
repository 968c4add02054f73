using Ipvs.Agent.Hosting;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Agent.Tests.Hosting;

public sealed class IpvsTimeoutTuningTests
{
    [Fact]
    public void Describe_TcpRaisedUdpAlreadyFinNotConfigured_SaysEachWithItsOldValue()
    {
        IReadOnlyList<string> report = IpvsTimeoutTuning.Describe(new IpvsTimeouts(7200, 0, 300), new IpvsTimeouts(900, 120, 300), new IpvsTimeouts(7200, 120, 300));

        Assert.Equal(
            ["IPVS timeout tcp = 7200 s (was 900 s)", "IPVS timeout tcpfin = 120 s (not configured: the kernel's)", "IPVS timeout udp = 300 s (already)"],
            report);
    }

    [Fact]
    public void Describe_KernelKeptItsOwn_SaysSoWithTheConfiguredValue()
    {
        IReadOnlyList<string> report = IpvsTimeoutTuning.Describe(new IpvsTimeouts(0, 0, 60), new IpvsTimeouts(900, 120, 0), new IpvsTimeouts(900, 120, 0));

        Assert.Equal("IPVS timeout udp = 0 s, not the configured 60 s (the kernel kept its own)", report[2]);
    }

    [Fact]
    public void Format_Timeouts_ListsThemInIpvsadmOrder() =>
        Assert.Equal("tcp 7200 s, tcpfin 120 s, udp 300 s", IpvsTimeoutTuning.Format(new IpvsTimeouts(7200, 120, 300)));
}
