using Ipvs.Core.Model;
using Ipvs.Netlink.Route;
using Ipvs.Core.Kernel;

namespace Ipvs.Netlink.Client;

/// <summary>
/// The dummy interface that holds the virtual IPs, so the node accepts traffic for them (like kube-proxy's
/// kube-ipvs0). Addresses are host routes (/32, /128) unless told otherwise.
/// </summary>
public sealed class VipInterface : IDisposable
{
    public const string DefaultName = "ipvs0";

    private readonly RouteClient _route;

    /// <summary>Takes ownership of <paramref name="route"/>.</summary>
    public VipInterface(RouteClient route, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _route = route;
        Name = name;
    }

    public string Name { get; }

    public static VipInterface Open(string name = DefaultName) => Wrap(RouteClient.Open(), name);

    public static VipInterface OpenInNamespace(string namespacePath, string name = DefaultName) =>
        Wrap(RouteClient.OpenInNamespace(namespacePath), name);

    /// <summary>The link as it is now, or null when it does not exist.</summary>
    public LinkInfo? Find() => _route.GetLink(Name);

    /// <summary>Creates the dummy link if absent and brings it up; returns it as it is afterwards.</summary>
    public LinkInfo EnsureUp()
    {
        LinkInfo? link = _route.GetLink(Name);
        if (link is null)
        {
            try
            {
                _route.CreateDummyLink(Name);
            }
            catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.AlreadyExists)
            {
                // Created by someone else in between: just as good.
            }

            link = Require();
        }

        if (link.Value.Kind is not null && link.Value.Kind != RouteMessages.DummyKind)
        {
            throw new InvalidOperationException($"Interface {Name} exists but is a '{link.Value.Kind}' link, not a dummy: refusing to use it for VIPs.");
        }

        if (!link.Value.IsUp)
        {
            _route.SetLinkUp(link.Value.Index);
            link = Require();
        }

        return link.Value;
    }

    /// <summary>Adds <paramref name="address"/>; returns false when it was already there.</summary>
    public bool AddAddress(NetAddress address, byte? prefixLength = null)
    {
        LinkInfo link = Require();
        try
        {
            _route.AddAddress(link.Index, address, prefixLength ?? VirtualService.FullPrefix(address.Family));
            return true;
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.AlreadyExists)
        {
            return false;
        }
    }

    /// <summary>Removes <paramref name="address"/>; returns false when it was not there.</summary>
    public bool RemoveAddress(NetAddress address, byte? prefixLength = null)
    {
        LinkInfo link = Require();
        try
        {
            _route.DeleteAddress(link.Index, address, prefixLength ?? VirtualService.FullPrefix(address.Family));
            return true;
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.NoSuchInterface)
        {
            return false;
        }
    }

    /// <summary>
    /// Adds <paramref name="addresses"/> (host routes) in rtnetlink batches: a thousand VIPs cost a few datagrams, not a
    /// thousand round trips.
    /// </summary>
    /// <returns>The addresses added (those already there are left out).</returns>
    /// <exception cref="NetlinkException">The kernel refused an address for another reason; the others were still tried.</exception>
    public IReadOnlyList<NetAddress> AddAddresses(IReadOnlyCollection<NetAddress> addresses) =>
        ChangeAddresses(addresses, KernelErrorKind.AlreadyExists, _route.AddAddresses);

    /// <summary>Removes <paramref name="addresses"/> in rtnetlink batches.</summary>
    /// <returns>The addresses removed (those not there are left out).</returns>
    /// <exception cref="NetlinkException">The kernel refused an address for another reason; the others were still tried.</exception>
    public IReadOnlyList<NetAddress> RemoveAddresses(IReadOnlyCollection<NetAddress> addresses) =>
        ChangeAddresses(addresses, KernelErrorKind.NoSuchInterface, _route.DeleteAddresses);

    /// <summary>The addresses on the interface (IPv6 link-local ones included, as the kernel reports them).</summary>
    public List<InterfaceAddress> ListAddresses()
    {
        LinkInfo link = Require();
        return _route.ListAddresses().FindAll(address => address.InterfaceIndex == link.Index);
    }

    /// <summary>Deletes the interface and with it every address on it; returns false when it did not exist.</summary>
    public bool Delete()
    {
        try
        {
            _route.DeleteLink(Name);
            return true;
        }
        catch (NetlinkException exception) when (exception.Kind == KernelErrorKind.NoSuchInterface)
        {
            return false;
        }
    }

    public void Dispose() => _route.Dispose();

    private static VipInterface Wrap(RouteClient route, string name)
    {
        try
        {
            return new VipInterface(route, name);
        }
        catch
        {
            route.Dispose();
            throw;
        }
    }

    /// <summary>One batch per family (the prefix length differs); <paramref name="harmless"/> marks an address already as asked.</summary>
    private List<NetAddress> ChangeAddresses(
        IReadOnlyCollection<NetAddress> addresses, KernelErrorKind harmless, Func<int, IReadOnlyList<NetAddress>, byte, IReadOnlyList<AddressFailure>> change)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        List<NetAddress> changed = new(addresses.Count);
        if (addresses.Count == 0)
        {
            return changed;
        }

        LinkInfo link = Require();
        List<NetlinkException> errors = [];
        foreach (IGrouping<IpFamily, NetAddress> family in addresses.GroupBy(address => address.Family))
        {
            NetAddress[] batch = [.. family];
            IReadOnlyList<AddressFailure> failures = change(link.Index, batch, VirtualService.FullPrefix(family.Key));
            var refused = new HashSet<int>(failures.Count);
            foreach (AddressFailure failure in failures)
            {
                refused.Add(failure.Index);
                if (failure.Error.Kind != harmless)
                {
                    errors.Add(failure.Error);
                }
            }

            changed.AddRange(batch.Where((_, index) => !refused.Contains(index)));
        }

        return errors.Count switch
        {
            0 => changed,
            1 => throw errors[0],
            _ => throw new NetlinkException($"{errors[0].Message} (and {errors.Count - 1} more addresses refused)", errors[0]),
        };
    }

    private LinkInfo Require() =>
        _route.GetLink(Name) ?? throw new InvalidOperationException($"VIP interface {Name} does not exist; call EnsureUp first.");
}
