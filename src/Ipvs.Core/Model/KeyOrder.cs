
namespace Ipvs.Core.Model;

/// <summary>The one sort order for keys, so plans, logs and journals come out the same way every time.</summary>
/// <remarks>Address services before firewall-mark services, IPv4 before IPv6, then protocol, address, port (or mark).</remarks>
public sealed class KeyOrder : IComparer<VirtualServiceKey>, IComparer<RealServerKey>
{
    public static readonly KeyOrder Instance = new();

    private KeyOrder()
    {
    }

    public int Compare(VirtualServiceKey x, VirtualServiceKey y)
    {
        int result = x.IsFirewallMark.CompareTo(y.IsFirewallMark);
        if (result == 0)
        {
            result = ((int)x.Family).CompareTo((int)y.Family); // as numbers: Enum.CompareTo boxes both
        }

        if (result == 0)
        {
            result = x.FirewallMark.CompareTo(y.FirewallMark);
        }

        if (result == 0)
        {
            result = ((int)x.Protocol).CompareTo((int)y.Protocol);
        }

        if (result == 0)
        {
            result = x.Address.CompareTo(y.Address);
        }

        return result != 0 ? result : x.Port.CompareTo(y.Port);
    }

    public int Compare(RealServerKey x, RealServerKey y)
    {
        int result = x.Address.CompareTo(y.Address);
        return result != 0 ? result : x.Port.CompareTo(y.Port);
    }
}
