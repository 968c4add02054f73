using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;

namespace Ipvs.Agent.Tests.Verification;

public sealed class KernelTableComparerTests
{
    private const string Desired = """
        -A -t 10.99.0.10:80 -s wrr
        -a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 3
        -a -t 10.99.0.10:80 -r 10.1.1.3:8080 -m -w 1
        -A -u 10.99.0.11:53 -s rr
        """;

    [Fact]
    public void Compare_SameTables_NoDifferences()
    {
        Assert.Empty(KernelTableComparer.Compare(IpvsadmSaveParser.Parse(Desired), IpvsadmSaveParser.Parse(Desired)));
    }

    [Fact]
    public void Compare_DifferentTables_ReportsEveryDifferenceInWords()
    {
        KernelTable kernel = IpvsadmSaveParser.Parse("""
            -A -t 10.99.0.10:80 -s rr -p 60
            -a -t 10.99.0.10:80 -r 10.1.1.2:8080 -g -w 1
            -a -t 10.99.0.10:80 -r 10.1.1.9:8080 -m -w 1
            -A -f 7 -s rr
            """);

        Assert.Equal(
        [
            "TCP 10.99.0.10:80: has scheduler rr in the kernel, wrr desired",
            "TCP 10.99.0.10:80: has flags persistent in the kernel, none desired",
            "TCP 10.99.0.10:80: has persistence timeout 60s in the kernel, 0s desired",
            "TCP 10.99.0.10:80: real server 10.1.1.2:8080 has method dr in the kernel, nat desired",
            "TCP 10.99.0.10:80: real server 10.1.1.2:8080 has weight 1 in the kernel, 3 desired",
            "TCP 10.99.0.10:80: real server 10.1.1.3:8080 is missing from the kernel",
            "TCP 10.99.0.10:80: real server 10.1.1.9:8080 is in the kernel but not desired",
            "UDP 10.99.0.11:53: missing from the kernel",
            "FWM 7: in the kernel but not desired",
        ], KernelTableComparer.Compare(IpvsadmSaveParser.Parse(Desired), kernel));
    }

    [Fact]
    public void Compare_ThresholdsIgnored_WhenKernelSideCannotShowThem()
    {
        KernelTable desired = IpvsadmSaveParser.Parse("-A -t 10.99.0.10:80 -s wrr\n-a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 3 -x 100");
        KernelTable saved = IpvsadmSaveParser.Parse("-A -t 10.99.0.10:80 -s wrr\n-a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 3");

        Assert.Equal(["TCP 10.99.0.10:80: real server 10.1.1.2:8080 has upper threshold 0 in the kernel, 100 desired"], KernelTableComparer.Compare(desired, saved));
        Assert.Empty(KernelTableComparer.Compare(desired, saved, compareThresholds: false));
        Assert.Equal(100u, desired.Services.Values.Single().RealServers.Values.Single().Server.UpperThreshold);
        Assert.Equal(IpFamily.V4, desired.Services.Keys.Single().Family);
    }
}
