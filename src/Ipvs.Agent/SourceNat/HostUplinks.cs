using System.Globalization;
using System.Net.NetworkInformation;
using Ipvs.Core.Model;

namespace Ipvs.Agent.SourceNat;

/// <summary>
/// The interfaces by which this node reaches other hosts, per family: the one holding <c>nodeAddress</c> when it is of
/// that family, otherwise those of the default routes (from /proc/net/route and /proc/net/ipv6_route).
/// </summary>
internal sealed class HostUplinks(NetAddress? nodeAddress, string procNet = "/proc/net")
{
    public IReadOnlyList<string> For(IpFamily family)
    {
        if (nodeAddress is { } node && node.Family == family)
        {
            string? holder = NetworkInterface.GetAllNetworkInterfaces()
                .FirstOrDefault(nic => nic.GetIPProperties().UnicastAddresses.Any(unicast => NetAddress.FromIPAddress(unicast.Address) == node))?.Name;
            return holder is null ? [] : [holder];
        }

        string table = Path.Combine(procNet, family == IpFamily.V4 ? "route" : "ipv6_route");
        string text = File.Exists(table) ? File.ReadAllText(table) : string.Empty;
        return family == IpFamily.V4 ? DefaultRouteInterfacesV4(text) : DefaultRouteInterfacesV6(text);
    }

    /// <summary>
    /// The interfaces of IPv4 default routes in /proc/net/route: "Iface Destination Gateway Flags … Mask …", hexadecimal,
    /// a default route being destination and mask 00000000 with RTF_UP (1) set.
    /// </summary>
    public static IReadOnlyList<string> DefaultRouteInterfacesV4(string procNetRoute)
    {
        ArgumentNullException.ThrowIfNull(procNetRoute);
        var interfaces = new List<string>();
        foreach (string line in procNetRoute.Split('\n').Skip(1))
        {
            string[] fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8 && fields[1] == "00000000" && fields[7] == "00000000"
                && int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags) && (flags & 1) != 0
                && !interfaces.Contains(fields[0]))
            {
                interfaces.Add(fields[0]);
            }
        }

        return interfaces;
    }

    /// <summary>
    /// The interfaces of IPv6 default routes in /proc/net/ipv6_route: "dest destlen src srclen nexthop metric refcnt use
    /// flags iface", a default route being ::/0 with RTF_UP, not a reject route (RTF_REJECT 0x200, as the kernel's own
    /// unreachable default on lo).
    /// </summary>
    public static IReadOnlyList<string> DefaultRouteInterfacesV6(string procNetIpv6Route)
    {
        ArgumentNullException.ThrowIfNull(procNetIpv6Route);
        var interfaces = new List<string>();
        foreach (string line in procNetIpv6Route.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 10 && fields[0] == new string('0', 32) && fields[1] == "00"
                && int.TryParse(fields[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags) && (flags & 1) != 0 && (flags & 0x200) == 0
                && !interfaces.Contains(fields[9]))
            {
                interfaces.Add(fields[9]);
            }
        }

        return interfaces;
    }
}
