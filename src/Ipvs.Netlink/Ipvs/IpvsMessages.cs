using System.Text;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Ipvs;

/// <summary>
/// Encoders for every IPVS generic netlink request. Each writes one complete message (nlmsghdr + genlmsghdr +
/// attributes) into the caller's writer and allocates nothing.
/// </summary>
/// <remarks>
/// Every request starts the same way:
/// <code>
/// +---------------------------------------------------------------+
/// | nlmsghdr: len | type = IPVS family id | NLM_F_REQUEST|flags   |
/// |           seq | port id 0 (the kernel fills in ours)          |
/// +---------------+---------------+-------------------------------+
/// | IPVS_CMD_*    | version 1     |            0                  |
/// +---------------+---------------+-------------------------------+
/// | attributes ...                                                |
/// +---------------------------------------------------------------+
/// </code>
/// Byte order: ports (and the IPv4 netmask and addresses) are network order, everything else host order,
/// as <c>ip_vs_genl_parse_service</c>/<c>_dest</c> read them.
/// </remarks>
public static partial class IpvsMessages
{
    /// <summary>An upper bound on the size of any request written here (the largest, an IPv6 NEW_DEST with a tunnel, is 164).</summary>
    public const int MaxRequestSize = 256;

    /// <summary>The flag bits a request sets or clears; HASHED is the kernel's own bookkeeping.</summary>
    public const uint ManagedServiceFlags =
        IpvsKernel.IP_VS_SVC_F_PERSISTENT | IpvsKernel.IP_VS_SVC_F_ONEPACKET
        | IpvsKernel.IP_VS_SVC_F_SCHED1 | IpvsKernel.IP_VS_SVC_F_SCHED2 | IpvsKernel.IP_VS_SVC_F_SCHED3;

    private const int InetAddrSize = 16;

    /// <summary>NEW_SERVICE or SET_SERVICE: the service's identity and its whole configuration.</summary>
    /// <remarks>
    /// <code>
    /// IPVS_CMD_ATTR_SERVICE (nested)
    ///   IPVS_SVC_ATTR_AF         u16   AF_INET / AF_INET6
    ///   IPVS_SVC_ATTR_FWMARK     u32                         \  firewall-mark service
    ///   IPVS_SVC_ATTR_PROTOCOL   u16   IPPROTO_*             |
    ///   IPVS_SVC_ATTR_ADDR       16 B  nf_inet_addr          |  or address service
    ///   IPVS_SVC_ATTR_PORT       be16                        /
    ///   IPVS_SVC_ATTR_SCHED_NAME string "wlc\0"
    ///   IPVS_SVC_ATTR_FLAGS      { u32 flags; u32 mask; }    (struct ip_vs_flags)
    ///   IPVS_SVC_ATTR_TIMEOUT    u32   seconds
    ///   IPVS_SVC_ATTR_NETMASK    be32 mask (IPv4) | u32 prefix length (IPv6)
    ///   IPVS_SVC_ATTR_PE_NAME    string "sip\0"           (only when set)
    /// </code>
    /// The kernel rejects NEW/SET without SCHED_NAME, FLAGS, TIMEOUT and NETMASK, so they are always sent.
    /// </remarks>
    public static void WriteService(ref NetlinkWriter writer, in RequestHeader header, byte command, in VirtualService service)
    {
        RequireCommand(command, nameof(command), IpvsKernel.IPVS_CMD_NEW_SERVICE, IpvsKernel.IPVS_CMD_SET_SERVICE);
        ValidateService(service);
        uint netmask = EncodeNetmask(service.Key.Family, service.NetmaskPrefix, service.Key);

        int message = Begin(ref writer, header, command);
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
        WriteServiceKeyAttributes(ref writer, service.Key);
        writer.WriteString(IpvsKernel.IPVS_SVC_ATTR_SCHED_NAME, service.Scheduler);
        Span<byte> flags = stackalloc byte[2 * sizeof(uint)];
        BitConverter.TryWriteBytes(flags, (uint)service.Flags & ManagedServiceFlags);
        BitConverter.TryWriteBytes(flags[sizeof(uint)..], ManagedServiceFlags);
        writer.WriteAttribute(IpvsKernel.IPVS_SVC_ATTR_FLAGS, flags);
        writer.WriteU32(IpvsKernel.IPVS_SVC_ATTR_TIMEOUT, service.TimeoutSeconds);
        if (service.Key.Family == IpFamily.V4)
        {
            writer.WriteU32BigEndian(IpvsKernel.IPVS_SVC_ATTR_NETMASK, netmask);
        }
        else
        {
            writer.WriteU32(IpvsKernel.IPVS_SVC_ATTR_NETMASK, netmask);
        }

        if (service.PersistenceEngine is not null)
        {
            writer.WriteString(IpvsKernel.IPVS_SVC_ATTR_PE_NAME, service.PersistenceEngine);
        }

        writer.EndNested(nest);
        writer.EndMessage(message);
    }

    /// <summary>DEL_SERVICE, GET_SERVICE (one service) or ZERO (one service): the identity attributes only.</summary>
    /// <remarks>
    /// <code>
    /// IPVS_CMD_ATTR_SERVICE (nested): AF, then FWMARK or PROTOCOL + ADDR + PORT
    /// </code>
    /// </remarks>
    public static void WriteServiceKey(ref NetlinkWriter writer, in RequestHeader header, byte command, in VirtualServiceKey key)
    {
        RequireCommand(
            command, nameof(command), IpvsKernel.IPVS_CMD_DEL_SERVICE, IpvsKernel.IPVS_CMD_GET_SERVICE, IpvsKernel.IPVS_CMD_ZERO);
        ValidateServiceKey(key);
        int message = Begin(ref writer, header, command);
        WriteServiceKeyNest(ref writer, key);
        writer.EndMessage(message);
    }

    /// <summary>NEW_DEST or SET_DEST: the service's identity and the real server's whole configuration.</summary>
    /// <remarks>
    /// <code>
    /// IPVS_CMD_ATTR_SERVICE (nested): AF, FWMARK or PROTOCOL + ADDR + PORT
    /// IPVS_CMD_ATTR_DEST (nested)
    ///   IPVS_DEST_ATTR_ADDR        16 B  nf_inet_addr
    ///   IPVS_DEST_ATTR_PORT        be16
    ///   IPVS_DEST_ATTR_FWD_METHOD  u32   IP_VS_CONN_F_MASQ/LOCALNODE/TUNNEL/DROUTE
    ///   IPVS_DEST_ATTR_WEIGHT      u32
    ///   IPVS_DEST_ATTR_U_THRESH    u32
    ///   IPVS_DEST_ATTR_L_THRESH    u32
    ///   IPVS_DEST_ATTR_ADDR_FAMILY u16   (may differ from the service's for tunnels)
    ///   IPVS_DEST_ATTR_TUN_TYPE    u8    \
    ///   IPVS_DEST_ATTR_TUN_PORT    be16   | only with the tunnel method
    ///   IPVS_DEST_ATTR_TUN_FLAGS   u16   /
    /// </code>
    /// The kernel requires FWD_METHOD, WEIGHT, U_THRESH and L_THRESH on NEW/SET and reads the tunnel attributes only
    /// when present (absent = IPIP without options), so other methods leave them out.
    /// </remarks>
    public static void WriteDestination(
        ref NetlinkWriter writer, in RequestHeader header, byte command, in VirtualServiceKey service, in RealServer server)
    {
        RequireCommand(command, nameof(command), IpvsKernel.IPVS_CMD_NEW_DEST, IpvsKernel.IPVS_CMD_SET_DEST);
        ValidateDestination(service, server);

        int message = Begin(ref writer, header, command);
        WriteServiceKeyNest(ref writer, service);
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DEST);
        WriteAddress(ref writer, IpvsKernel.IPVS_DEST_ATTR_ADDR, server.Address);
        writer.WriteU16BigEndian(IpvsKernel.IPVS_DEST_ATTR_PORT, server.Port);
        writer.WriteU32(IpvsKernel.IPVS_DEST_ATTR_FWD_METHOD, (uint)server.Method);
        writer.WriteU32(IpvsKernel.IPVS_DEST_ATTR_WEIGHT, (uint)server.Weight);
        writer.WriteU32(IpvsKernel.IPVS_DEST_ATTR_U_THRESH, server.UpperThreshold);
        writer.WriteU32(IpvsKernel.IPVS_DEST_ATTR_L_THRESH, server.LowerThreshold);
        writer.WriteU16(IpvsKernel.IPVS_DEST_ATTR_ADDR_FAMILY, (ushort)server.Address.Family);
        if (server.Method == ForwardingMethod.Tunnel)
        {
            writer.WriteU8(IpvsKernel.IPVS_DEST_ATTR_TUN_TYPE, (byte)server.TunnelType);
            writer.WriteU16BigEndian(IpvsKernel.IPVS_DEST_ATTR_TUN_PORT, server.TunnelPort);
            writer.WriteU16(IpvsKernel.IPVS_DEST_ATTR_TUN_FLAGS, (ushort)server.TunnelFlags);
        }

        writer.EndNested(nest);
        writer.EndMessage(message);
    }

    /// <summary>DEL_DEST: the service's identity and the real server's identity (ADDR, PORT, ADDR_FAMILY).</summary>
    public static void WriteDestinationKey(
        ref NetlinkWriter writer, in RequestHeader header, in VirtualServiceKey service, in RealServerKey server)
    {
        ValidateDestinationKey(service, server);
        int message = Begin(ref writer, header, IpvsKernel.IPVS_CMD_DEL_DEST);
        WriteServiceKeyNest(ref writer, service);
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DEST);
        WriteAddress(ref writer, IpvsKernel.IPVS_DEST_ATTR_ADDR, server.Address);
        writer.WriteU16BigEndian(IpvsKernel.IPVS_DEST_ATTR_PORT, server.Port);
        writer.WriteU16(IpvsKernel.IPVS_DEST_ATTR_ADDR_FAMILY, (ushort)server.Address.Family);
        writer.EndNested(nest);
        writer.EndMessage(message);
    }

    /// <summary>GET_DEST for one service; the caller passes NLM_F_DUMP.</summary>
    public static void WriteDumpDestinations(ref NetlinkWriter writer, in RequestHeader header, in VirtualServiceKey service)
    {
        RequireKey(service, nameof(service));
        int message = Begin(ref writer, header, IpvsKernel.IPVS_CMD_GET_DEST);
        WriteServiceKeyNest(ref writer, service);
        writer.EndMessage(message);
    }

    /// <summary>A command without attributes: FLUSH, ZERO (everything), GET_INFO, GET_CONFIG, GET_SERVICE and GET_DAEMON dumps.</summary>
    public static void WriteCommand(ref NetlinkWriter writer, in RequestHeader header, byte command)
    {
        RequireCommand(
            command,
            nameof(command),
            IpvsKernel.IPVS_CMD_FLUSH,
            IpvsKernel.IPVS_CMD_ZERO,
            IpvsKernel.IPVS_CMD_GET_INFO,
            IpvsKernel.IPVS_CMD_GET_CONFIG,
            IpvsKernel.IPVS_CMD_GET_SERVICE,
            IpvsKernel.IPVS_CMD_GET_DAEMON);
        int message = Begin(ref writer, header, command);
        writer.EndMessage(message);
    }

    /// <summary>SET_CONFIG: the three timeouts as top-level u32 attributes; the kernel leaves a 0 one unchanged.</summary>
    /// <remarks>
    /// <code>
    /// IPVS_CMD_ATTR_TIMEOUT_TCP u32 | IPVS_CMD_ATTR_TIMEOUT_TCP_FIN u32 | IPVS_CMD_ATTR_TIMEOUT_UDP u32
    /// </code>
    /// </remarks>
    public static void WriteSetConfig(ref NetlinkWriter writer, in RequestHeader header, in IpvsTimeouts timeouts)
    {
        int message = Begin(ref writer, header, IpvsKernel.IPVS_CMD_SET_CONFIG);
        writer.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP, timeouts.TcpSeconds);
        writer.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, timeouts.TcpFinSeconds);
        writer.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_UDP, timeouts.UdpSeconds);
        writer.EndMessage(message);
    }

    /// <summary>NEW_DAEMON: starts a sync daemon.</summary>
    /// <remarks>
    /// <code>
    /// IPVS_CMD_ATTR_DAEMON (nested)
    ///   IPVS_DAEMON_ATTR_STATE         u32   IP_VS_STATE_MASTER / _BACKUP
    ///   IPVS_DAEMON_ATTR_MCAST_IFN     string
    ///   IPVS_DAEMON_ATTR_SYNC_ID       u32
    ///   IPVS_DAEMON_ATTR_SYNC_MAXLEN   u16          \
    ///   IPVS_DAEMON_ATTR_MCAST_GROUP   4 B (be32)    |
    ///   IPVS_DAEMON_ATTR_MCAST_GROUP6  16 B          |  only when set
    ///   IPVS_DAEMON_ATTR_MCAST_PORT    u16 (host)    |
    ///   IPVS_DAEMON_ATTR_MCAST_TTL     u8           /
    /// </code>
    /// </remarks>
    public static void WriteNewDaemon(ref NetlinkWriter writer, in RequestHeader header, in SyncDaemonConfig daemon)
    {
        RequireState(daemon.State, nameof(daemon));
        RequireName(daemon.Interface, IpvsKernel.IP_VS_IFNAME_MAXLEN, "sync daemon interface", nameof(daemon));
        if (daemon.Group is { IsDefault: true })
        {
            throw new ArgumentException("A sync daemon's multicast group, when given, needs an address.", nameof(daemon));
        }

        int message = Begin(ref writer, header, IpvsKernel.IPVS_CMD_NEW_DAEMON);
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DAEMON);
        writer.WriteU32(IpvsKernel.IPVS_DAEMON_ATTR_STATE, (uint)daemon.State);
        writer.WriteString(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_IFN, daemon.Interface);
        writer.WriteU32(IpvsKernel.IPVS_DAEMON_ATTR_SYNC_ID, daemon.SyncId);
        if (daemon.MaxLength != 0)
        {
            writer.WriteU16(IpvsKernel.IPVS_DAEMON_ATTR_SYNC_MAXLEN, daemon.MaxLength);
        }

        if (daemon.Group is NetAddress group)
        {
            Span<byte> bytes = stackalloc byte[NetAddress.MaxByteLength];
            int length = group.WriteBytes(bytes);
            writer.WriteAttribute(
                group.Family == IpFamily.V4 ? IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP : IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP6,
                bytes[..length]);
        }

        if (daemon.Port != 0)
        {
            writer.WriteU16(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_PORT, daemon.Port);
        }

        if (daemon.Ttl != 0)
        {
            writer.WriteU8(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_TTL, daemon.Ttl);
        }

        writer.EndNested(nest);
        writer.EndMessage(message);
    }

    /// <summary>DEL_DAEMON: stops the master or backup daemon (IPVS_CMD_ATTR_DAEMON { STATE u32 }).</summary>
    public static void WriteDeleteDaemon(ref NetlinkWriter writer, in RequestHeader header, SyncDaemonState state)
    {
        RequireState(state, nameof(state));
        int message = Begin(ref writer, header, IpvsKernel.IPVS_CMD_DEL_DAEMON);
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DAEMON);
        writer.WriteU32(IpvsKernel.IPVS_DAEMON_ATTR_STATE, (uint)state);
        writer.EndNested(nest);
        writer.EndMessage(message);
    }

    /// <summary>
    /// Throws the <see cref="ArgumentException"/> that <see cref="WriteService"/> would throw for
    /// <paramref name="service"/>, without writing anything: a batch checks every request before it sends any.
    /// </summary>
    public static void ValidateService(in VirtualService service)
    {
        RequireKey(service.Key, nameof(service));
        RequireName(service.Scheduler, IpvsKernel.IP_VS_SCHEDNAME_MAXLEN, "scheduler", nameof(service));
        if (service.PersistenceEngine is not null)
        {
            RequireName(service.PersistenceEngine, IpvsKernel.IP_VS_PENAME_MAXLEN, "persistence engine", nameof(service));
        }

        _ = EncodeNetmask(service.Key.Family, service.NetmaskPrefix, service.Key);
    }

    /// <summary>What <see cref="WriteServiceKey"/> would reject in <paramref name="key"/>, without writing.</summary>
    public static void ValidateServiceKey(in VirtualServiceKey key) => RequireKey(key, nameof(key));

    /// <summary>What <see cref="WriteDestination"/> would reject, without writing.</summary>
    public static void ValidateDestination(in VirtualServiceKey service, in RealServer server)
    {
        RequireKey(service, nameof(service));
        RequireAddress(server.Address, nameof(server));
        if (server.Weight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(server), server.Weight, $"Real server {server.Key} has a negative weight.");
        }

        if (server.Method is < ForwardingMethod.Masquerade or > ForwardingMethod.Route)
        {
            throw new ArgumentOutOfRangeException(nameof(server), server.Method, $"Real server {server.Key} has an unknown forwarding method.");
        }
    }

    /// <summary>What <see cref="WriteDestinationKey"/> would reject, without writing.</summary>
    public static void ValidateDestinationKey(in VirtualServiceKey service, in RealServerKey server)
    {
        RequireKey(service, nameof(service));
        RequireAddress(server.Address, nameof(server));
    }

    private static int Begin(ref NetlinkWriter writer, in RequestHeader header, byte command)
    {
        int message = writer.BeginMessage(header.FamilyId, (ushort)(NetlinkKernel.NLM_F_REQUEST | header.Flags), header.Sequence);
        writer.WriteGenericHeader(command, IpvsKernel.IPVS_GENL_VERSION);
        return message;
    }

    private static void WriteServiceKeyNest(ref NetlinkWriter writer, in VirtualServiceKey key)
    {
        int nest = writer.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
        WriteServiceKeyAttributes(ref writer, key);
        writer.EndNested(nest);
    }

    private static void WriteServiceKeyAttributes(ref NetlinkWriter writer, in VirtualServiceKey key)
    {
        writer.WriteU16(IpvsKernel.IPVS_SVC_ATTR_AF, (ushort)key.Family);
        if (key.IsFirewallMark)
        {
            writer.WriteU32(IpvsKernel.IPVS_SVC_ATTR_FWMARK, key.FirewallMark);
        }
        else
        {
            writer.WriteU16(IpvsKernel.IPVS_SVC_ATTR_PROTOCOL, (ushort)key.Protocol);
            WriteAddress(ref writer, IpvsKernel.IPVS_SVC_ATTR_ADDR, key.Address);
            writer.WriteU16BigEndian(IpvsKernel.IPVS_SVC_ATTR_PORT, key.Port);
        }
    }

    /// <summary>Addresses go as the whole 16-byte <c>union nf_inet_addr</c>, as the kernel copies that size.</summary>
    private static void WriteAddress(ref NetlinkWriter writer, ushort type, NetAddress address)
    {
        Span<byte> bytes = stackalloc byte[InetAddrSize];
        address.WriteInetAddr(bytes);
        writer.WriteAttribute(type, bytes);
    }

    /// <summary>
    /// IPv4: the mask itself (be32), as ipvsadm's inet_aton gives it. IPv6: the prefix length as a plain u32,
    /// which the kernel checks is 1..128 (ip_vs_add_service).
    /// </summary>
    private static uint EncodeNetmask(IpFamily family, byte prefix, in VirtualServiceKey key)
    {
        if (family == IpFamily.V4)
        {
            return prefix <= 32
                ? prefix == 0 ? 0u : uint.MaxValue << (32 - prefix)
                : throw new ArgumentOutOfRangeException(nameof(prefix), prefix, $"Service {key}: an IPv4 netmask prefix is 0..32.");
        }

        return prefix is >= 1 and <= 128
            ? prefix
            : throw new ArgumentOutOfRangeException(nameof(prefix), prefix, $"Service {key}: an IPv6 netmask prefix is 1..128.");
    }

    private static void RequireKey(in VirtualServiceKey key, string parameter)
    {
        if (key.Family is not (IpFamily.V4 or IpFamily.V6))
        {
            throw new ArgumentException("The virtual service key is empty (default); create it with ForAddress or ForFirewallMark.", parameter);
        }
    }

    private static void RequireAddress(NetAddress address, string parameter)
    {
        if (address.IsDefault)
        {
            throw new ArgumentException("The real server has no address.", parameter);
        }
    }

    private static void RequireState(SyncDaemonState state, string parameter)
    {
        if (state is not (SyncDaemonState.Master or SyncDaemonState.Backup))
        {
            throw new ArgumentOutOfRangeException(parameter, state, "A sync daemon is Master or Backup.");
        }
    }

    /// <summary>Names travel as NUL-terminated strings in kernel buffers of <paramref name="bufferSize"/> bytes.</summary>
    private static void RequireName(string? name, int bufferSize, string what, string parameter)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"The {what} name is empty.", parameter);
        }

        if (Encoding.UTF8.GetByteCount(name) >= bufferSize)
        {
            throw new ArgumentException($"The {what} name '{name}' is longer than {bufferSize - 1} bytes.", parameter);
        }
    }

    private static void RequireCommand(byte command, string parameter, params ReadOnlySpan<byte> allowed)
    {
        if (!allowed.Contains(command))
        {
            throw new ArgumentOutOfRangeException(parameter, command, $"IPVS command {command} is not one this encoder writes.");
        }
    }
}
