using System.Net;

namespace Ipvs.Dns.Server;

/// <summary>The <c>nameserver</c> lines of resolv.conf(5): the host's resolvers, the default upstreams.</summary>
public static class ResolvConf
{
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>
    /// The resolvers in <paramref name="text"/> (port 53), in order, without <paramref name="own"/>: forwarding to
    /// ourselves would loop. When we listen on every address, loopback resolvers are ourselves too.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> Nameservers(string text, IPEndPoint own)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(own);
        bool listensEverywhere = own.Address.Equals(IPAddress.Any) || own.Address.Equals(IPAddress.IPv6Any);
        var servers = new List<IPEndPoint>();
        foreach (string line in text.Split('\n'))
        {
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words is not ["nameserver", string value, ..] || !IPAddress.TryParse(value.Split('%')[0], out IPAddress? address))
            {
                continue;
            }

            var server = new IPEndPoint(address, 53);
            bool ourselves = own.Port == 53 && (address.Equals(own.Address) || (listensEverywhere && IPAddress.IsLoopback(address)));
            if (!ourselves && !servers.Contains(server))
            {
                servers.Add(server);
            }
        }

        return servers;
    }
}
