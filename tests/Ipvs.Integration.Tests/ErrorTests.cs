using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink;
using Ipvs.Netlink.Client;

namespace Ipvs.Integration.Tests;

/// <summary>The kernel's refusals arrive as typed errors that name the request.</summary>
public sealed class ErrorTests : IClassFixture<NamespaceFixture>
{
    private static readonly VirtualServiceKey _service = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.20.0.1"), 80);
    private static readonly RealServer _server = new(NetAddress.Parse("10.20.1.1"), 80, ForwardingMethod.Masquerade, 1);

    private readonly NamespaceFixture _lab;

    public ErrorTests(NamespaceFixture lab)
    {
        _lab = lab;
        _lab.Reset();
        _lab.Client.AddService(VirtualService.Create(_service, "rr"));
    }

    [Fact]
    public void AddService_Duplicate_ThrowsAlreadyExists()
    {
        NetlinkException error = Assert.Throws<NetlinkException>(() => _lab.Client.AddService(VirtualService.Create(_service, "wlc")));

        Assert.Equal(KernelErrorKind.AlreadyExists, error.Kind);
        Assert.Contains("TCP 10.20.0.1:80", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDestination_Duplicate_ThrowsAlreadyExists()
    {
        _lab.Client.AddDestination(_service, _server);

        Assert.Equal(KernelErrorKind.AlreadyExists, Assert.Throws<NetlinkException>(() => _lab.Client.AddDestination(_service, _server)).Kind);
    }

    [Fact]
    public void DeleteDestination_Missing_ThrowsNoSuchServer()
    {
        NetlinkException error = Assert.Throws<NetlinkException>(() => _lab.Client.DeleteDestination(_service, _server.Key));

        Assert.Equal(KernelErrorKind.NoSuchServer, error.Kind);
        Assert.Contains("10.20.1.1:80", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateDestination_Missing_ThrowsNoSuchServer() =>
        Assert.Equal(KernelErrorKind.NoSuchServer, Assert.Throws<NetlinkException>(() => _lab.Client.UpdateDestination(_service, _server)).Kind);

    [Fact]
    public void AddService_UnknownScheduler_ThrowsNoSuchScheduler()
    {
        VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.20.0.2"), 80), "nosuch");

        NetlinkException error = Assert.Throws<NetlinkException>(() => _lab.Client.AddService(service));

        Assert.Equal(KernelErrorKind.NoSuchScheduler, error.Kind);
        Assert.Contains("nosuch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeleteService_Missing_ThrowsNoSuchService()
    {
        VirtualServiceKey missing = VirtualServiceKey.ForFirewallMark(IpFamily.V6, 99);

        Assert.Equal(KernelErrorKind.NoSuchService, Assert.Throws<NetlinkException>(() => _lab.Client.DeleteService(missing)).Kind);
        Assert.Null(_lab.Client.GetService(missing));
    }

    [Fact]
    public void AddDestination_MissingService_ThrowsNoSuchService()
    {
        VirtualServiceKey missing = VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.20.0.3"), 53);

        Assert.Equal(KernelErrorKind.NoSuchService, Assert.Throws<NetlinkException>(() => _lab.Client.AddDestination(missing, _server)).Kind);
    }

    [Fact]
    public void AddDestination_OtherFamilyWithoutTunnel_ThrowsInvalidArgument()
    {
        RealServer v6Masquerade = new(NetAddress.Parse("fd00::20"), 80, ForwardingMethod.Masquerade, 1);

        Assert.Equal(KernelErrorKind.InvalidArgument, Assert.Throws<NetlinkException>(() => _lab.Client.AddDestination(_service, v6Masquerade)).Kind);
    }

    [Theory]
    [InlineData(BatchMode.Batched)]
    [InlineData(BatchMode.PerAck)]
    public void Apply_MixedFailures_ReportsEachFailedOperationWithItsKind(BatchMode mode)
    {
        VirtualServiceKey fresh = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.20.0.4"), 80);
        IpvsCommand[] operations =
        [
            IpvsCommand.AddService(VirtualService.Create(fresh, "rr")),
            IpvsCommand.AddService(VirtualService.Create(_service, "rr")),
            IpvsCommand.AddDestination(fresh, _server),
            IpvsCommand.DeleteDestination(fresh, new RealServerKey(NetAddress.Parse("10.20.9.9"), 80)),
            IpvsCommand.AddService(VirtualService.Create(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 20), "nosuch")),
            IpvsCommand.AddDestination(_service, _server),
        ];

        IpvsBatchResult result = _lab.Client.Apply(operations, mode);

        Assert.Equal(
            [(1, KernelErrorKind.AlreadyExists), (3, KernelErrorKind.NoSuchServer), (4, KernelErrorKind.NoSuchScheduler)],
            result.Failures.Select(failure => (failure.Index, failure.Error.Kind)));
        Assert.Single(_lab.Client.ListDestinations(fresh));
        Assert.Single(_lab.Client.ListDestinations(_service));
        Assert.Equal(mode == BatchMode.Batched ? 1 : operations.Length, result.Datagrams);
        AggregateException aggregate = Assert.Throws<AggregateException>(result.ThrowIfFailed);
        Assert.Equal(3, aggregate.InnerExceptions.Count);
    }
}
