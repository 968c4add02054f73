using Ipvs.Netlink.Client;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Sockets;

namespace Ipvs.Integration.Tests;

/// <summary>Issue 2 item 8: the IPVS generic netlink family as the lab kernel registers it.</summary>
public sealed class FamilyResolutionTests
{
    [Fact]
    public void Resolve_Ipvs_HasDynamicIdAndVersion1()
    {
        using var channel = new NetlinkChannel(NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC));

        GenericNetlinkFamily family = GenericNetlinkResolver.Resolve(channel, IpvsKernel.IPVS_GENL_NAME);

        Assert.True(family.Id >= GenericNetlinkKernel.GENL_ID_CTRL, $"family id {family.Id}");
        Assert.Equal("IPVS", family.Name);
        Assert.Equal(1u, family.Version);
        Assert.Equal(6u, family.MaxAttribute);
        Assert.Contains(family.Operations, operation => operation.Id == IpvsKernel.IPVS_CMD_NEW_SERVICE);
        Assert.Contains(family.Operations, operation => operation.Id == IpvsKernel.IPVS_CMD_FLUSH);
    }

    [Fact]
    public void Open_LabKernel_ProbesEveryFeature()
    {
        using IpvsClient client = IpvsClient.Open();

        Assert.Equal(new Version(6, 1), new Version(client.Features.KernelVersion.Major, client.Features.KernelVersion.Minor));
        Assert.Equal(0x010201u, client.Features.Info.Version);
        Assert.True(client.Features.Info.ConnectionTableSize > 0);
        Assert.True(client.Features.MixedAddressFamilies);
        Assert.True(client.Features.Statistics64);
        Assert.True(client.Features.GueTunnel);
        Assert.True(client.Features.GreTunnel);
    }
}
