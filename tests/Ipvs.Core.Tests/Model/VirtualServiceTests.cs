using Ipvs.Core.Model;

namespace Ipvs.Core.Tests.Model;

public sealed class VirtualServiceTests
{
    private static readonly VirtualServiceKey _key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80);

    [Fact]
    public void ForAddress_ValidInput_IsAddressKeyWithFamilyOfAddress()
    {
        VirtualServiceKey key = VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("fd00::1"), 53);

        Assert.Equal(IpFamily.V6, key.Family);
        Assert.False(key.IsFirewallMark);
        Assert.Equal("UDP [fd00::1]:53", key.ToString());
    }

    [Fact]
    public void ForAddress_NoProtocolOrAddress_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VirtualServiceKey.ForAddress(IpvsProtocol.None, NetAddress.Parse("10.0.0.1"), 80));
        Assert.Throws<ArgumentException>(() => VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, default, 80));
    }

    [Fact]
    public void ForFirewallMark_ZeroMarkOrBadFamily_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VirtualServiceKey.ForFirewallMark(IpFamily.V4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VirtualServiceKey.ForFirewallMark((IpFamily)3, 1));
    }

    [Fact]
    public void ForFirewallMark_Formats_LikeIpvsadm()
    {
        Assert.Equal("FWM 7", VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7).ToString());
        Assert.Equal("FWM 7 IPv6", VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7).ToString());
        Assert.Equal("SCTP 10.0.0.1:9", VirtualServiceKey.ForAddress(IpvsProtocol.Sctp, NetAddress.Parse("10.0.0.1"), 9).ToString());
    }

    [Fact]
    public void Equality_SameIdentity_AreEqualDifferentPortOrMarkFamilyAreNot()
    {
        Assert.Equal(_key, VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80));
        Assert.NotEqual(_key, VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 81));
        Assert.NotEqual(_key, VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.0.0.1"), 80));
        Assert.NotEqual(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7), VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7));
    }

    [Fact]
    public void Create_Defaults_AreIpvsadmDefaults()
    {
        VirtualService service = VirtualService.Create(VirtualServiceKey.ForFirewallMark(IpFamily.V6, 1));

        Assert.Equal("wlc", service.Scheduler);
        Assert.Equal(ServiceFlags.None, service.Flags);
        Assert.Equal(128, service.NetmaskPrefix);
        Assert.Null(service.PersistenceEngine);
    }

    [Fact]
    public void SameConfiguration_OnlyHashedDiffers_IsTrue()
    {
        VirtualService desired = VirtualService.Create(_key) with { Flags = ServiceFlags.Persistent };
        VirtualService actual = desired with { Flags = ServiceFlags.Persistent | ServiceFlags.Hashed };

        Assert.True(desired.SameConfiguration(actual));
        Assert.NotEqual(desired, actual);
    }

    [Fact]
    public void SameConfiguration_NullAndEmptyEngine_IsTrue()
    {
        VirtualService desired = VirtualService.Create(_key);

        Assert.True(desired.SameConfiguration(desired with { PersistenceEngine = string.Empty }));
    }

    public static TheoryData<string> Changes() => ["scheduler", "flags", "timeout", "netmask", "engine", "key"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void SameConfiguration_AnyConfigurationChange_IsFalse(string change)
    {
        VirtualService desired = VirtualService.Create(_key);
        VirtualService changed = change switch
        {
            "scheduler" => desired with { Scheduler = "rr" },
            "flags" => desired with { Flags = ServiceFlags.OnePacket },
            "timeout" => desired with { TimeoutSeconds = 300 },
            "netmask" => desired with { NetmaskPrefix = 24 },
            "engine" => desired with { PersistenceEngine = "sip" },
            "key" => desired with { Key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.2"), 80) },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        Assert.False(desired.SameConfiguration(changed));
    }
}
