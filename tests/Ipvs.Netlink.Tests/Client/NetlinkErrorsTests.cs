using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Tests.Client;

public sealed class NetlinkErrorsTests
{
    [Theory]
    [InlineData(SocketKernel.EEXIST, NetlinkRequestKind.ServiceWrite, NetlinkErrorKind.AlreadyExists)]
    [InlineData(SocketKernel.EEXIST, NetlinkRequestKind.Destination, NetlinkErrorKind.AlreadyExists)]
    [InlineData(SocketKernel.ESRCH, NetlinkRequestKind.Service, NetlinkErrorKind.NoSuchService)]
    [InlineData(SocketKernel.ESRCH, NetlinkRequestKind.Destination, NetlinkErrorKind.NoSuchService)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Destination, NetlinkErrorKind.NoSuchDestination)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.ServiceWrite, NetlinkErrorKind.NoSuchScheduler)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.FamilyLookup, NetlinkErrorKind.FamilyNotFound)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Interface, NetlinkErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.ENODEV, NetlinkRequestKind.Interface, NetlinkErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.EADDRNOTAVAIL, NetlinkRequestKind.Interface, NetlinkErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Other, NetlinkErrorKind.Other)]
    [InlineData(SocketKernel.EPERM, NetlinkRequestKind.Service, NetlinkErrorKind.PermissionDenied)]
    [InlineData(SocketKernel.EINVAL, NetlinkRequestKind.Destination, NetlinkErrorKind.InvalidArgument)]
    [InlineData(SocketKernel.EBUSY, NetlinkRequestKind.Service, NetlinkErrorKind.Other)]
    public void Classify_ErrnoForRequest_GivesKind(int errno, NetlinkRequestKind request, NetlinkErrorKind expected) =>
        Assert.Equal(expected, NetlinkErrors.Classify(errno, request));

    [Fact]
    public void Create_WithKernelText_MessageNamesOperationErrnoAndKernelText()
    {
        NetlinkException error = NetlinkErrors.Create(SocketKernel.EINVAL, NetlinkRequestKind.Destination, "IPVS_CMD_NEW_DEST 10.0.0.2:80", "bad weight");

        Assert.Equal(NetlinkErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("bad weight", error.KernelMessage);
        Assert.Contains("IPVS_CMD_NEW_DEST 10.0.0.2:80", error.Message, StringComparison.Ordinal);
        Assert.Contains("EINVAL", error.Message, StringComparison.Ordinal);
        Assert.Contains("bad weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnclassifiedErrno_MessageCarriesStrerror()
    {
        NetlinkException error = NetlinkErrors.Create(SocketKernel.EBUSY, NetlinkRequestKind.Service, "op");

        Assert.Contains("EBUSY", error.Message, StringComparison.Ordinal);
        Assert.Contains("busy", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FamilyNotFound_Ipvs_SaysIpvsIsNotAvailable()
    {
        NetlinkException error = NetlinkErrors.FamilyNotFound("IPVS");

        Assert.Equal(NetlinkErrorKind.FamilyNotFound, error.Kind);
        Assert.Equal(NetlinkErrors.IpvsNotAvailableMessage + ".", error.Message);
    }

    [Fact]
    public void FamilyNotFound_OtherFamily_NamesIt()
    {
        NetlinkException error = NetlinkErrors.FamilyNotFound("nope");

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }
}
