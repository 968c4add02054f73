using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Route;
using Ipvs.Netlink.Sockets;

namespace Ipvs.Netlink.Tests.Client;

/// <summary>The host kernel has generic netlink and rtnetlink but no IPVS. Everything here only reads.</summary>
public sealed class HostKernelTests
{
    [Fact]
    public void Resolve_Controller_ReturnsItsFixedId()
    {
        using var channel = new NetlinkChannel(NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC));

        GenericNetlinkFamily family = GenericNetlinkResolver.Resolve(channel, "nlctrl");

        Assert.Equal(GenericNetlinkKernel.GENL_ID_CTRL, family.Id);
        Assert.Equal("nlctrl", family.Name);
        Assert.Contains(family.Operations, operation => operation.Id == GenericNetlinkKernel.CTRL_CMD_GETFAMILY);
    }

    [Fact]
    public void Resolve_UnknownFamily_ThrowsFamilyNotFoundNamingIt()
    {
        using var channel = new NetlinkChannel(NetlinkSocket.Open(NetlinkKernel.NETLINK_GENERIC));

        NetlinkException error = Assert.Throws<NetlinkException>(() => GenericNetlinkResolver.Resolve(channel, "ipvs-no-such"));

        Assert.Equal(KernelErrorKind.FamilyNotFound, error.Kind);
        Assert.Contains("'ipvs-no-such'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IpvsClientOpen_HostWithoutIpvs_ThrowsIpvsNotAvailable()
    {
        Assert.SkipWhen(File.Exists("/proc/net/ip_vs"), "this kernel has IPVS");

        NetlinkException error = Assert.Throws<NetlinkException>(() => IpvsClient.Open());

        Assert.Equal(KernelErrorKind.FamilyNotFound, error.Kind);
        Assert.Equal(
            "IPVS is not available in this kernel: the ip_vs module is not loaded or not built (generic netlink family 'IPVS' not found).",
            error.Message);
    }

    [Fact]
    public void ListAddresses_Host_IncludesLoopback()
    {
        using RouteClient route = RouteClient.Open();
        LinkInfo loopback = route.GetLink("lo") ?? throw new InvalidOperationException("no lo");

        List<InterfaceAddress> addresses = route.ListAddresses(IpFamily.V4);

        Assert.Contains(new InterfaceAddress(loopback.Index, NetAddress.Parse("127.0.0.1"), 8), addresses);
        Assert.All(addresses, address => Assert.Equal(IpFamily.V4, address.Address.Family));
    }

    [Fact]
    public void GetLink_Missing_ReturnsNull()
    {
        using RouteClient route = RouteClient.Open();

        Assert.Null(route.GetLink("ipvsnosuch0"));
    }

    [Fact]
    public void VipInterface_NotCreated_FindReturnsNullAndListingExplains()
    {
        using VipInterface vip = VipInterface.Open("ipvsnosuch0");

        Assert.Null(vip.Find());
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => vip.ListAddresses());
        Assert.Contains("ipvsnosuch0", error.Message, StringComparison.Ordinal);
    }
}
