using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Client.Support;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Tests.Client;

public sealed class RouteClientTests
{
    [Fact]
    public void AddAddresses_TwoAddresses_OneDatagramAckOnTheLastOnly()
    {
        var kernel = new ScriptedKernel();
        using var client = new RouteClient(new NetlinkChannel(kernel));

        IReadOnlyList<AddressFailure> failures = client.AddAddresses(5, [NetAddress.Parse("10.9.9.9"), NetAddress.Parse("10.9.9.10")], 32);

        // Two RTM_NEWADDR as WriteAddAddress encodes them (RouteMessagesTests), sequences 1 and 2; the first without
        // NLM_F_ACK (flags REQUEST|EXCL|CREATE = 0x0601), the last with it (0x0605).
        byte[] expected = Hex.Parse(
            "28000000 1400 0106 01000000 00000000 | 02 20 00 00 05000000 | 08000200 0a090909 | 08000100 0a090909"
            + "28000000 1400 0506 02000000 00000000 | 02 20 00 00 05000000 | 08000200 0a09090a | 08000100 0a09090a");
        Assert.Empty(failures);
        Assert.Equal(Hex.Format(expected), Hex.Format(Assert.Single(kernel.SentBytes)));
    }

    [Fact]
    public void DeleteAddresses_TwoAddresses_OneDatagramAckOnTheLastOnly()
    {
        var kernel = new ScriptedKernel();
        using var client = new RouteClient(new NetlinkChannel(kernel));

        IReadOnlyList<AddressFailure> failures = client.DeleteAddresses(5, [NetAddress.Parse("10.9.9.9"), NetAddress.Parse("10.9.9.10")], 32);

        byte[] expected = Hex.Parse(
            "28000000 1500 0100 01000000 00000000 | 02 20 00 00 05000000 | 08000200 0a090909 | 08000100 0a090909"
            + "28000000 1500 0500 02000000 00000000 | 02 20 00 00 05000000 | 08000200 0a09090a | 08000100 0a09090a");
        Assert.Empty(failures);
        Assert.Equal(Hex.Format(expected), Hex.Format(Assert.Single(kernel.SentBytes)));
    }

    [Fact]
    public void AddAddresses_ThousandAddresses_FewDatagramsEachRefusalByIndex()
    {
        var kernel = new ScriptedKernel { ErrnoFor = index => index is 3 or 999 ? SocketKernel.EEXIST : index == 500 ? SocketKernel.EINVAL : 0 };
        using var client = new RouteClient(new NetlinkChannel(kernel));
        NetAddress[] addresses = [.. Enumerable.Range(1, 1000).Select(i => NetAddress.Parse($"10.1.{i / 256}.{i % 256}"))];

        IReadOnlyList<AddressFailure> failures = client.AddAddresses(5, addresses, 32);

        Assert.Equal([3, 500, 999], failures.Select(failure => failure.Index));
        Assert.Equal(KernelErrorKind.AlreadyExists, failures[0].Error.Kind);
        Assert.Equal(KernelErrorKind.InvalidArgument, failures[1].Error.Kind);
        Assert.Contains("RTM_NEWADDR 10.1.1.245/32 on index 5", failures[1].Error.Message, StringComparison.Ordinal);
        Assert.Equal(1000, kernel.Sent.Sum(datagram => datagram.Count));
        Assert.InRange(kernel.Sent.Count, 1, 2);
        Assert.All(kernel.Sent, datagram => Assert.Single(datagram, header => header.HasFlag(NetlinkKernel.NLM_F_ACK)));
    }
}
