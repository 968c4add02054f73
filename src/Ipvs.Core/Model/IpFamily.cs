namespace Ipvs.Core.Model;

/// <summary>Address family of a virtual service or real server.</summary>
/// <remarks>The values are Linux's AF_INET and AF_INET6, so the wire codec can use them as they are.</remarks>
public enum IpFamily : ushort
{
    V4 = 2,
    V6 = 10,
}
