using Ipvs.Core.Model;

namespace Ipvs.Netlink.Ipvs;

/// <summary>The netlink header fields of one IPVS request.</summary>
/// <param name="FamilyId">The IPVS family's id as resolved from the controller (the message type).</param>
/// <param name="Sequence">Sequence number the kernel echoes in its answer.</param>
/// <param name="Flags">Extra NLM_F_* flags (NLM_F_ACK, NLM_F_DUMP); NLM_F_REQUEST is always set.</param>
public readonly record struct RequestHeader(ushort FamilyId, uint Sequence, ushort Flags);

/// <summary>A virtual service as the kernel reports it: configuration plus counters.</summary>
public readonly record struct ServiceEntry(VirtualService Service, ServiceStatus Status);

/// <summary>A real server as the kernel reports it: configuration plus connection counts and counters.</summary>
public readonly record struct RealServerEntry(RealServer Server, RealServerStatus Status);

/// <summary>IPVS_CMD_GET_INFO: the IPVS version and the connection hash table size.</summary>
/// <param name="Version">IP_VS_VERSION_CODE form: 0x010201 is 1.2.1.</param>
/// <param name="ConnectionTableSize">Buckets in the connection table.</param>
public readonly record struct IpvsInfo(uint Version, uint ConnectionTableSize)
{
    public string VersionText => $"{(Version >> 16) & 0xFF}.{(Version >> 8) & 0xFF}.{Version & 0xFF}";
}

/// <summary>Connection timeouts (ipvsadm --set); 0 leaves a value unchanged when setting, as the kernel treats it.</summary>
public readonly record struct IpvsTimeouts(uint TcpSeconds, uint TcpFinSeconds, uint UdpSeconds);

/// <summary>The role of a connection synchronisation daemon (IP_VS_STATE_*).</summary>
public enum SyncDaemonState
{
    Master = 1,
    Backup = 2,
}

/// <summary>A connection synchronisation daemon (ipvsadm --start-daemon).</summary>
/// <param name="State">Master sends, backup receives.</param>
/// <param name="Interface">Multicast interface name.</param>
/// <param name="SyncId">Sync id (0-255 on the wire of old kernels).</param>
/// <param name="MaxLength">Largest sync message; 0 = kernel default.</param>
/// <param name="Group">Multicast group (IPv4 or IPv6); null = kernel default 224.0.0.81.</param>
/// <param name="Port">UDP port; 0 = kernel default 8848.</param>
/// <param name="Ttl">Multicast TTL; 0 = kernel default 1.</param>
public readonly record struct SyncDaemonConfig(
    SyncDaemonState State,
    string Interface,
    uint SyncId,
    ushort MaxLength = 0,
    NetAddress? Group = null,
    ushort Port = 0,
    byte Ttl = 0);
