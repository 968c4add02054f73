using Ipvs.Core.Kernel;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Tests.Client;

public sealed class NetlinkErrorsTests
{
    [Theory]
    [InlineData(SocketKernel.EEXIST, NetlinkRequestKind.ServiceWrite, KernelErrorKind.AlreadyExists)]
    [InlineData(SocketKernel.EEXIST, NetlinkRequestKind.Destination, KernelErrorKind.AlreadyExists)]
    [InlineData(SocketKernel.ESRCH, NetlinkRequestKind.Service, KernelErrorKind.NoSuchService)]
    [InlineData(SocketKernel.ESRCH, NetlinkRequestKind.Destination, KernelErrorKind.NoSuchService)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Destination, KernelErrorKind.NoSuchServer)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.ServiceWrite, KernelErrorKind.NoSuchScheduler)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.FamilyLookup, KernelErrorKind.FamilyNotFound)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Interface, KernelErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.ENODEV, NetlinkRequestKind.Interface, KernelErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.EADDRNOTAVAIL, NetlinkRequestKind.Interface, KernelErrorKind.NoSuchInterface)]
    [InlineData(SocketKernel.ENOENT, NetlinkRequestKind.Other, KernelErrorKind.Other)]
    [InlineData(SocketKernel.EPERM, NetlinkRequestKind.Service, KernelErrorKind.PermissionDenied)]
    [InlineData(SocketKernel.EINVAL, NetlinkRequestKind.Destination, KernelErrorKind.InvalidArgument)]
    [InlineData(SocketKernel.EBUSY, NetlinkRequestKind.Service, KernelErrorKind.Other)]
    public void Classify_ErrnoForRequest_GivesKind(int errno, NetlinkRequestKind request, KernelErrorKind expected) =>
        Assert.Equal(expected, NetlinkErrors.Classify(errno, request));

    [Fact]
    public void Create_WithKernelText_MessageNamesOperationErrnoAndKernelText()
    {
        NetlinkException error = NetlinkErrors.Create(SocketKernel.EINVAL, NetlinkRequestKind.Destination, "IPVS_CMD_NEW_DEST 10.0.0.2:80", "bad weight");

        Assert.Equal(KernelErrorKind.InvalidArgument, error.Kind);
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

        Assert.Equal(KernelErrorKind.FamilyNotFound, error.Kind);
        Assert.Equal(NetlinkErrors.IpvsNotAvailableMessage + ".", error.Message);
    }

    [Fact]
    public void FamilyNotFound_OtherFamily_NamesIt()
    {
        NetlinkException error = NetlinkErrors.FamilyNotFound("nope");

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }
}
