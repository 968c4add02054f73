namespace Ipvs.Dns.Wire;

/// <summary>The DNS classes the responder tells apart.</summary>
public static class DnsClass
{
    public const ushort Internet = 1;
    public const ushort Any = 255;
}
