using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Route;
using Ipvs.Netlink.Sockets;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Client;

/// <summary>The links and addresses of one network namespace, over one persistent NETLINK_ROUTE socket.</summary>
public sealed class RouteClient : IDisposable
{
    private readonly NetlinkChannel _channel;

    /// <summary>Takes ownership of <paramref name="channel"/>.</summary>
    public RouteClient(NetlinkChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
    }

    public static RouteClient Open() => Create(NetlinkSocket.Open(NetlinkKernel.NETLINK_ROUTE));

    public static RouteClient OpenInNamespace(string namespacePath) =>
        Create(NetlinkSocket.OpenInNamespace(NetlinkKernel.NETLINK_ROUTE, namespacePath));

    /// <summary>The link called <paramref name="name"/>, or null when there is none.</summary>
    public LinkInfo? GetLink(string name)
    {
        LinkInfo? link = null;
        try
        {
            _channel.Execute(
                (ref writer, sequence) => RouteMessages.WriteGetLink(ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), name),
                NetlinkRequestKind.Interface,
                $"RTM_GETLINK {name}",
                (in message) => link = RouteMessages.ReadLink(message));
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.NoSuchInterface)
        {
            return null;
        }

        return link;
    }

    /// <summary>Creates a dummy link (the kernel loads the dummy module on demand).</summary>
    public void CreateDummyLink(string name) => _channel.Execute(
        (ref writer, sequence) => RouteMessages.WriteCreateDummyLink(ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), name),
        NetlinkRequestKind.Interface,
        $"RTM_NEWLINK {name} type dummy");

    public void SetLinkUp(int interfaceIndex, bool up = true) => _channel.Execute(
        (ref writer, sequence) => RouteMessages.WriteSetLinkUp(ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), interfaceIndex, up),
        NetlinkRequestKind.Interface,
        $"RTM_NEWLINK index {interfaceIndex} {(up ? "up" : "down")}");

    public void DeleteLink(string name) => _channel.Execute(
        (ref writer, sequence) => RouteMessages.WriteDeleteLink(ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), name),
        NetlinkRequestKind.Interface,
        $"RTM_DELLINK {name}");

    public void AddAddress(int interfaceIndex, NetAddress address, byte prefixLength) => _channel.Execute(
        (ref writer, sequence) => RouteMessages.WriteAddAddress(
            ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), interfaceIndex, address, prefixLength),
        NetlinkRequestKind.Interface,
        $"RTM_NEWADDR {address}/{prefixLength} on index {interfaceIndex}");

    public void DeleteAddress(int interfaceIndex, NetAddress address, byte prefixLength) => _channel.Execute(
        (ref writer, sequence) => RouteMessages.WriteDeleteAddress(
            ref writer, new RouteRequestHeader(sequence, NetlinkKernel.NLM_F_ACK), interfaceIndex, address, prefixLength),
        NetlinkRequestKind.Interface,
        $"RTM_DELADDR {address}/{prefixLength} on index {interfaceIndex}");

    /// <summary>
    /// Adds every address of <paramref name="addresses"/> to one interface in as few datagrams as the socket allows
    /// (the IPVS batch path: NLM_F_ACK on the last request of each datagram only, failures reported by index).
    /// </summary>
    /// <returns>The kernel's refusals, by index into <paramref name="addresses"/>; EEXIST means it was already there.</returns>
    public IReadOnlyList<AddressFailure> AddAddresses(int interfaceIndex, IReadOnlyList<NetAddress> addresses, byte prefixLength)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return RunAddressBatch(addresses, "RTM_NEWADDR", interfaceIndex, prefixLength, (ref writer, index, sequence, ackFlag) =>
            RouteMessages.WriteAddAddress(ref writer, new RouteRequestHeader(sequence, ackFlag), interfaceIndex, addresses[index], prefixLength));
    }

    /// <summary>Removes every address of <paramref name="addresses"/> from one interface, batched like <see cref="AddAddresses"/>.</summary>
    /// <returns>The kernel's refusals, by index; <see cref="KernelErrorKind.NoSuchInterface"/> means it was not there.</returns>
    public IReadOnlyList<AddressFailure> DeleteAddresses(int interfaceIndex, IReadOnlyList<NetAddress> addresses, byte prefixLength)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return RunAddressBatch(addresses, "RTM_DELADDR", interfaceIndex, prefixLength, (ref writer, index, sequence, ackFlag) =>
            RouteMessages.WriteDeleteAddress(ref writer, new RouteRequestHeader(sequence, ackFlag), interfaceIndex, addresses[index], prefixLength));
    }

    /// <summary>Every address of the namespace (both families unless <paramref name="family"/> narrows it).</summary>
    public List<InterfaceAddress> ListAddresses(IpFamily? family = null)
    {
        List<InterfaceAddress> addresses = [];
        _channel.Dump(
            (ref writer, sequence) => RouteMessages.WriteDumpAddresses(ref writer, new RouteRequestHeader(sequence, 0), family),
            NetlinkRequestKind.Interface,
            "RTM_GETADDR (dump)",
            (in message) => addresses.Add(RouteMessages.ReadAddress(message)),
            addresses.Clear);
        return addresses;
    }

    public void Dispose() => _channel.Dispose();

    private List<AddressFailure> RunAddressBatch(IReadOnlyList<NetAddress> addresses, string command, int interfaceIndex, byte prefixLength, BatchRequestWriter write)
    {
        BatchOutcome outcome = _channel.RunBatch(addresses.Count, write, BatchMode.Batched);
        return [.. outcome.Failures.Select(failure => new AddressFailure(
            failure.Index,
            NetlinkErrors.Create(failure.Error.Errno, NetlinkRequestKind.Interface, $"{command} {addresses[failure.Index]}/{prefixLength} on index {interfaceIndex}", failure.Error.Message)))];
    }


    private static RouteClient Create(NetlinkSocket socket)
    {
        try
        {
            return new RouteClient(new NetlinkChannel(socket, 64 * 1024));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
