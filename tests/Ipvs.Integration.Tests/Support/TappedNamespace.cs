using Ipvs.Core.Model;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Integration.Tests.Support;

/// <summary>
/// A fresh lab namespace with a client on a tapped socket (<see cref="DumpTap"/>) and a second, plain client that
/// changes the table while the first one is in the middle of a dump.
/// </summary>
internal sealed class TappedNamespace(LabNamespace lab, IpvsClient client, DumpTap tap, IpvsClient other) : IAsyncDisposable
{
    /// <summary>The client whose dumps are tapped.</summary>
    public IpvsClient Client => client;

    public DumpTap Tap => tap;

    /// <summary>The client that changes the table behind the tapped one's dumps.</summary>
    public IpvsClient Other => other;

    public static async Task<TappedNamespace> CreateAsync(string purpose)
    {
        LabNamespace created = await LabNamespace.CreateAsync(purpose);
        IpvsClient? tapped = null;
        try
        {
            (tapped, DumpTap dumps) = DumpTap.Open(created.Path);
            return new TappedNamespace(created, tapped, dumps, IpvsClient.OpenInNamespace(created.Path));
        }
        catch
        {
            tapped?.Dispose();
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Once the next service dump has sent its first datagram, adds a service in the hash bucket of each of the first
    /// <paramref name="count"/> services it listed: each lands before the dump's resume point, so the rest of the dump
    /// lists one more entry twice (and never the added service).
    /// </summary>
    /// <returns>The services added, filled in during the dump.</returns>
    public List<VirtualServiceKey> AddServicesBehindNextDump(int count) => ChangeBehindNextDump(count, dumped =>
    {
        VirtualServiceKey sibling = ServiceHash.BucketSibling(dumped);
        Other.AddService(VirtualService.Create(sibling, "rr"));
        return sibling;
    });

    /// <summary>
    /// Once the next service dump has sent its first datagram, deletes the first <paramref name="count"/> services it
    /// listed: the dump's resume point moves back by as many, so it never lists as many services that exist.
    /// </summary>
    /// <returns>The services deleted, filled in during the dump.</returns>
    public List<VirtualServiceKey> DeleteServicesBehindNextDump(int count) => ChangeBehindNextDump(count, dumped =>
    {
        Other.DeleteService(dumped);
        return dumped;
    });

    public async ValueTask DisposeAsync()
    {
        other.Dispose();
        client.Dispose();
        await lab.DisposeAsync();
    }

    private List<VirtualServiceKey> ChangeBehindNextDump(int count, Func<VirtualServiceKey, VirtualServiceKey> change)
    {
        List<VirtualServiceKey> changed = [];
        Tap.AfterFirstChunkOfNextDump(IpvsKernel.IPVS_CMD_GET_SERVICE, () => changed.AddRange(Tap.DumpedServices.Take(count).ToList().Select(change)));
        return changed;
    }
}
