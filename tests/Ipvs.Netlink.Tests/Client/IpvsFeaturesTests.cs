using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Netlink.Tests.Client;

public sealed class IpvsFeaturesTests
{
    private static readonly VirtualServiceKey _service = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80);

    [Theory]
    [InlineData("6.1.176", 6, 1, 176)]
    [InlineData("5.10.0-20-amd64", 5, 10, 0)]
    [InlineData("4.19", 4, 19, 0)]
    [InlineData("6.18.44-fc-v595", 6, 18, 44)]
    public void ParseKernelRelease_Release_GivesVersion(string release, int major, int minor, int patch) =>
        Assert.Equal(new Version(major, minor, patch), IpvsFeatures.ParseKernelRelease(release));

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("6")]
    public void ParseKernelRelease_Garbage_ThrowsNamingIt(string release)
    {
        FormatException error = Assert.Throws<FormatException>(() => IpvsFeatures.ParseKernelRelease(release));
        Assert.Contains($"'{release}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_Kernel61_HasEverything()
    {
        IpvsFeatures features = For("6.1.176");

        Assert.True(features.MixedAddressFamilies);
        Assert.True(features.Statistics64);
        Assert.True(features.GueTunnel);
        Assert.True(features.GreTunnel);
    }

    [Fact]
    public void EnsureSupported_GreOnKernel52_ThrowsNamingFeatureAndKernel()
    {
        IpvsFeatures features = For("5.2.0");
        var server = new RealServer(NetAddress.Parse("10.0.0.2"), 80, ForwardingMethod.Tunnel, 1, TunnelType: TunnelType.Gre);

        IpvsFeatureNotSupportedException error = Assert.Throws<IpvsFeatureNotSupportedException>(() => features.EnsureSupported(_service, server));

        Assert.Contains("GRE", error.Message, StringComparison.Ordinal);
        Assert.Contains("5.3", error.Message, StringComparison.Ordinal);
        Assert.Contains("5.2.0", error.Message, StringComparison.Ordinal);
        features.EnsureSupported(_service, server with { TunnelType = TunnelType.Gue, TunnelPort = 6080 });
    }

    [Fact]
    public void EnsureSupported_MixedFamilyOnKernel310_Throws()
    {
        IpvsFeatures features = For("3.10.0-1062.el7.x86_64");
        var server = new RealServer(NetAddress.Parse("fd00::2"), 80, ForwardingMethod.Tunnel, 1);

        Assert.Throws<IpvsFeatureNotSupportedException>(() => features.EnsureSupported(_service, server));
        Assert.False(features.Statistics64);
    }

    private static IpvsFeatures For(string release) => new(
        release,
        IpvsFeatures.ParseKernelRelease(release),
        new IpvsInfo(0x010201, 4096),
        new GenericNetlinkFamily(0x20, "IPVS", 1, 0, 6, []));
}
