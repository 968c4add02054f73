namespace Ipvs.Core.Model;

/// <summary>Encapsulation for <see cref="ForwardingMethod.Tunnel"/> (IP_VS_CONN_F_TUNNEL_TYPE_*).</summary>
public enum TunnelType : byte
{
    IpIp = 0,
    Gue = 1,
    Gre = 2,
}

/// <summary>Checksum options for GUE/GRE tunnels (IP_VS_TUNNEL_ENCAP_FLAG_*).</summary>
[Flags]
public enum TunnelFlags : ushort
{
    NoChecksum = 0,
    Checksum = 1,
    RemoteChecksum = 2,
}
