using Ipvs.Core.Model;

namespace Ipvs.Integration.Tests.Support;

/// <summary>What a test needs of IPVS's service hash table to change it before a dump's resume point on purpose.</summary>
internal static class ServiceHash
{
    /// <summary>
    /// A new IPv4 key in the same hash bucket as <paramref name="key"/>, so in the same place of a dump's walk: the
    /// kernel's <c>ip_vs_svc_hashkey</c> keeps 8 bits of protocol ^ address ^ port ^ namespace, and the address gives only
    /// its last octet to them, so a key that differs in the second octet lands in the same bucket (at its head).
    /// </summary>
    public static VirtualServiceKey BucketSibling(VirtualServiceKey key)
    {
        Span<byte> address = stackalloc byte[4];
        key.Address.WriteBytes(address);
        address[1] ^= 0x80;
        return VirtualServiceKey.ForAddress(key.Protocol, NetAddress.FromBytes(IpFamily.V4, address), key.Port);
    }

    /// <summary>TCP services 10.50.x.y:80 (and the sibling block 10.178.x.y stays free), each with one real server 10.60.x.y:8080.</summary>
    public static List<(VirtualService Service, RealServer Server)> Table(int services)
    {
        var table = new List<(VirtualService, RealServer)>(services);
        for (int index = 0; index < services; index++)
        {
            string host = $"{index / 250}.{(index % 250) + 1}";
            table.Add((
                VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse($"10.50.{host}"), 80), "rr"),
                new RealServer(NetAddress.Parse($"10.60.{host}"), 8080, ForwardingMethod.Masquerade, 1)));
        }

        return table;
    }
}
