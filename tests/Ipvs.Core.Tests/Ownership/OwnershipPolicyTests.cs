using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Core.Tests.Ownership;

public sealed class OwnershipPolicyTests
{
    private static readonly OwnershipPolicy Nothing = new([], []);

    [Fact]
    public void Refusal_NoBlocksConfigured_SaysSo()
    {
        VirtualServiceKey key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80);

        Assert.Equal("TCP 10.99.0.10:80: VIP 10.99.0.10 is refused: no VIP blocks are configured as owned", Nothing.Refusal(key));
    }

    [Fact]
    public void HowToAllow_Ipv4Vip_NamesTheKeyAndTheFlagWithTheSingleAddressBlock()
    {
        VirtualServiceKey key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80);

        string hint = OwnershipPolicy.HowToAllow(key);

        Assert.Contains("`allowedVipCidrs: [10.99.0.10/32]`", hint, StringComparison.Ordinal);
        Assert.Contains("`--allowed-vip-cidr 10.99.0.10/32`", hint, StringComparison.Ordinal);
        Assert.Null(new OwnershipPolicy([AddressBlock.Parse("10.99.0.10/32")], []).Refusal(key));
    }

    [Fact]
    public void HowToAllow_Ipv6Vip_UsesASlash128()
    {
        VirtualServiceKey key = VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("fd00::10"), 53);

        Assert.Contains("`--allowed-vip-cidr fd00::10/128`", OwnershipPolicy.HowToAllow(key), StringComparison.Ordinal);
        Assert.Null(new OwnershipPolicy([AddressBlock.Parse("fd00::10/128")], []).Refusal(key));
    }

    [Fact]
    public void HowToAllow_FirewallMark_NamesTheMarkKeyAndFlag()
    {
        VirtualServiceKey key = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7);

        string hint = OwnershipPolicy.HowToAllow(key);

        Assert.Contains("`allowedFwmarks: [7]`", hint, StringComparison.Ordinal);
        Assert.Contains("`--allowed-fwmark 7`", hint, StringComparison.Ordinal);
    }
}
