using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Ipvs;

// Decoders for the kernel's IPVS replies (ip_vs_genl_fill_service / _dest / _daemon, GET_INFO, GET_CONFIG).
// They check every attribute they use, skip the ones they do not know, name any required attribute that is missing,
// and allocate nothing for services and destinations.
public static partial class IpvsMessages
{
    /// <summary>Decodes one service of a GET_SERVICE reply or dump.</summary>
    /// <remarks>
    /// <code>
    /// genlmsghdr | IPVS_CMD_ATTR_SERVICE (nested)
    ///   AF u16, FWMARK u32 | PROTOCOL u16 + ADDR 16 B + PORT be16, SCHED_NAME string, PE_NAME string (optional),
    ///   FLAGS { u32 flags; u32 mask; }, TIMEOUT u32, NETMASK be32 (IPv4) | u32 prefix (IPv6),
    ///   STATS (nested, u32/u64 counters), STATS64 (nested, u64 counters)
    /// </code>
    /// </remarks>
    public static ServiceEntry ReadService(in NetlinkMessage message)
    {
        AttributeReader service = FindNested(message, IpvsKernel.IPVS_CMD_ATTR_SERVICE, "IPVS_CMD_ATTR_SERVICE");
        IpFamily? family = null;
        ushort? protocol = null;
        scoped ReadOnlySpan<byte> address = default;
        bool hasAddress = false;
        ushort? port = null;
        uint firewallMark = 0;
        scoped ReadOnlySpan<byte> scheduler = default;
        bool hasScheduler = false;
        scoped ReadOnlySpan<byte> persistenceEngine = default;
        bool hasPersistenceEngine = false;
        uint? flags = null;
        uint? timeout = null;
        scoped ReadOnlySpan<byte> netmask = default;
        bool hasNetmask = false;
        IpvsStatistics statistics = default;
        bool hasStatistics64 = false;

        while (service.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case IpvsKernel.IPVS_SVC_ATTR_AF:
                    family = ToFamily(attribute.GetU16(), "IPVS_SVC_ATTR_AF");
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_PROTOCOL:
                    protocol = attribute.GetU16();
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_ADDR:
                    address = attribute.Value;
                    hasAddress = true;
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_PORT:
                    port = attribute.GetU16BigEndian();
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_FWMARK:
                    firewallMark = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_SCHED_NAME:
                    scheduler = attribute.GetStringBytes();
                    hasScheduler = true;
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_PE_NAME:
                    persistenceEngine = attribute.GetStringBytes();
                    hasPersistenceEngine = true;
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_FLAGS:
                    flags = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_TIMEOUT:
                    timeout = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_NETMASK:
                    netmask = attribute.Value;
                    hasNetmask = true;
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_STATS when !hasStatistics64:
                    statistics = ReadStatistics(attribute, "IPVS_SVC_ATTR_STATS");
                    break;
                case IpvsKernel.IPVS_SVC_ATTR_STATS64:
                    statistics = ReadStatistics(attribute, "IPVS_SVC_ATTR_STATS64");
                    hasStatistics64 = true;
                    break;
                default:
                    break;
            }
        }

        IpFamily serviceFamily = family ?? throw Missing("IPVS_SVC_ATTR_AF", "service");
        VirtualServiceKey key;
        if (firewallMark != 0)
        {
            key = VirtualServiceKey.ForFirewallMark(serviceFamily, firewallMark);
        }
        else
        {
            ushort protocolNumber = protocol ?? throw Missing("IPVS_SVC_ATTR_PROTOCOL (or FWMARK)", "service");
            if (protocolNumber is not ((ushort)IpvsProtocol.Tcp or (ushort)IpvsProtocol.Udp or (ushort)IpvsProtocol.Sctp))
            {
                throw new NetlinkDecodeException($"IPVS_SVC_ATTR_PROTOCOL {protocolNumber} is not TCP, UDP or SCTP.");
            }

            NetAddress vip = ToAddress(serviceFamily, address, hasAddress, "IPVS_SVC_ATTR_ADDR", "service");
            key = VirtualServiceKey.ForAddress((IpvsProtocol)protocolNumber, vip, port ?? throw Missing("IPVS_SVC_ATTR_PORT", "service"));
        }

        VirtualService config;
        try
        {
            config = new VirtualService(
                key,
                hasScheduler ? IpvsNames.Scheduler(scheduler) : throw Missing("IPVS_SVC_ATTR_SCHED_NAME", key),
                (ServiceFlags)(flags ?? throw Missing("IPVS_SVC_ATTR_FLAGS", key)),
                timeout ?? throw Missing("IPVS_SVC_ATTR_TIMEOUT", key),
                hasNetmask ? DecodeNetmask(serviceFamily, netmask, key) : throw Missing("IPVS_SVC_ATTR_NETMASK", key),
                hasPersistenceEngine && !persistenceEngine.IsEmpty ? IpvsNames.PersistenceEngine(persistenceEngine) : null);
        }
        catch (NetlinkDecodeException exception)
        {
            // The key is known: a desired service with it collides with this entry (see KernelTable.UnreadableServices).
            throw new IpvsServiceDecodeException(key, exception.Message, exception);
        }

        return new ServiceEntry(config, new ServiceStatus(statistics));
    }

    /// <summary>Decodes one real server of a GET_DEST dump.</summary>
    /// <param name="message">The reply message.</param>
    /// <param name="serviceFamily">The dumped service's family: the server's unless the reply says otherwise.</param>
    /// <remarks>
    /// <code>
    /// genlmsghdr | IPVS_CMD_ATTR_DEST (nested)
    ///   ADDR 16 B, PORT be16, FWD_METHOD u32, WEIGHT u32, TUN_TYPE u8, TUN_PORT be16, TUN_FLAGS u16,
    ///   U_THRESH u32, L_THRESH u32, ACTIVE_CONNS u32, INACT_CONNS u32, PERSIST_CONNS u32, ADDR_FAMILY u16,
    ///   STATS (nested), STATS64 (nested)
    /// </code>
    /// </remarks>
    public static RealServerEntry ReadDestination(in NetlinkMessage message, IpFamily serviceFamily)
    {
        AttributeReader destination = FindNested(message, IpvsKernel.IPVS_CMD_ATTR_DEST, "IPVS_CMD_ATTR_DEST");
        scoped ReadOnlySpan<byte> address = default;
        bool hasAddress = false;
        ushort? port = null;
        uint? method = null;
        uint? weight = null;
        uint? upperThreshold = null;
        uint? lowerThreshold = null;
        uint activeConnections = 0;
        uint inactiveConnections = 0;
        uint persistentConnections = 0;
        IpFamily family = serviceFamily;
        byte tunnelType = 0;
        ushort tunnelPort = 0;
        ushort tunnelFlags = 0;
        IpvsStatistics statistics = default;
        bool hasStatistics64 = false;

        while (destination.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case IpvsKernel.IPVS_DEST_ATTR_ADDR:
                    address = attribute.Value;
                    hasAddress = true;
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_PORT:
                    port = attribute.GetU16BigEndian();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_FWD_METHOD:
                    method = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_WEIGHT:
                    weight = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_U_THRESH:
                    upperThreshold = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_L_THRESH:
                    lowerThreshold = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_ACTIVE_CONNS:
                    activeConnections = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_INACT_CONNS:
                    inactiveConnections = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_PERSIST_CONNS:
                    persistentConnections = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_ADDR_FAMILY:
                    family = ToFamily(attribute.GetU16(), "IPVS_DEST_ATTR_ADDR_FAMILY");
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_TUN_TYPE:
                    tunnelType = attribute.GetU8();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_TUN_PORT:
                    tunnelPort = attribute.GetU16BigEndian();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_TUN_FLAGS:
                    tunnelFlags = attribute.GetU16();
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_STATS when !hasStatistics64:
                    statistics = ReadStatistics(attribute, "IPVS_DEST_ATTR_STATS");
                    break;
                case IpvsKernel.IPVS_DEST_ATTR_STATS64:
                    statistics = ReadStatistics(attribute, "IPVS_DEST_ATTR_STATS64");
                    hasStatistics64 = true;
                    break;
                default:
                    break;
            }
        }

        NetAddress serverAddress = ToAddress(family, address, hasAddress, "IPVS_DEST_ATTR_ADDR", "real server");
        uint methodValue = method ?? throw Missing("IPVS_DEST_ATTR_FWD_METHOD", serverAddress);
        if (methodValue > (uint)ForwardingMethod.Route)
        {
            throw new NetlinkDecodeException($"Real server {serverAddress}: IPVS_DEST_ATTR_FWD_METHOD {methodValue} is unknown.");
        }

        uint weightValue = weight ?? throw Missing("IPVS_DEST_ATTR_WEIGHT", serverAddress);
        if (weightValue > int.MaxValue)
        {
            throw new NetlinkDecodeException($"Real server {serverAddress}: IPVS_DEST_ATTR_WEIGHT {weightValue} is out of range.");
        }

        if (tunnelType > (byte)TunnelType.Gre)
        {
            throw new NetlinkDecodeException($"Real server {serverAddress}: IPVS_DEST_ATTR_TUN_TYPE {tunnelType} is unknown.");
        }

        var server = new RealServer(
            serverAddress,
            port ?? throw Missing("IPVS_DEST_ATTR_PORT", serverAddress),
            (ForwardingMethod)methodValue,
            (int)weightValue,
            upperThreshold ?? throw Missing("IPVS_DEST_ATTR_U_THRESH", serverAddress),
            lowerThreshold ?? throw Missing("IPVS_DEST_ATTR_L_THRESH", serverAddress),
            (TunnelType)tunnelType,
            tunnelPort,
            (TunnelFlags)tunnelFlags);
        return new RealServerEntry(server, new RealServerStatus(activeConnections, inactiveConnections, persistentConnections, statistics));
    }

    /// <summary>Decodes the GET_INFO reply: top-level IPVS_INFO_ATTR_VERSION u32 and IPVS_INFO_ATTR_CONN_TAB_SIZE u32.</summary>
    public static IpvsInfo ReadInfo(in NetlinkMessage message)
    {
        uint? version = null;
        uint? tableSize = null;
        AttributeReader attributes = GenericAttributes(message);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case IpvsKernel.IPVS_INFO_ATTR_VERSION:
                    version = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_INFO_ATTR_CONN_TAB_SIZE:
                    tableSize = attribute.GetU32();
                    break;
                default:
                    break;
            }
        }

        return new IpvsInfo(
            version ?? throw new NetlinkDecodeException("IPVS info reply lacks IPVS_INFO_ATTR_VERSION."),
            tableSize ?? throw new NetlinkDecodeException("IPVS info reply lacks IPVS_INFO_ATTR_CONN_TAB_SIZE."));
    }

    /// <summary>Decodes the GET_CONFIG reply: top-level TIMEOUT_TCP / TIMEOUT_TCP_FIN / TIMEOUT_UDP (u32 seconds).</summary>
    /// <remarks>The kernel leaves out the timeout of a protocol it was built without; that one reads as 0.</remarks>
    public static IpvsTimeouts ReadConfig(in NetlinkMessage message)
    {
        uint tcp = 0;
        uint tcpFin = 0;
        uint udp = 0;
        AttributeReader attributes = GenericAttributes(message);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP:
                    tcp = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN:
                    tcpFin = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_UDP:
                    udp = attribute.GetU32();
                    break;
                default:
                    break;
            }
        }

        return new IpvsTimeouts(tcp, tcpFin, udp);
    }

    /// <summary>Decodes one daemon of a GET_DAEMON dump (IPVS_CMD_ATTR_DAEMON, nested).</summary>
    public static SyncDaemonConfig ReadDaemon(in NetlinkMessage message)
    {
        AttributeReader daemon = FindNested(message, IpvsKernel.IPVS_CMD_ATTR_DAEMON, "IPVS_CMD_ATTR_DAEMON");
        uint? state = null;
        string? interfaceName = null;
        uint? syncId = null;
        ushort maxLength = 0;
        NetAddress? group = null;
        ushort port = 0;
        byte ttl = 0;
        while (daemon.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case IpvsKernel.IPVS_DAEMON_ATTR_STATE:
                    state = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_MCAST_IFN:
                    interfaceName = attribute.GetString();
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_SYNC_ID:
                    syncId = attribute.GetU32();
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_SYNC_MAXLEN:
                    maxLength = attribute.GetU16();
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP:
                    group = ToAddress(IpFamily.V4, attribute.Value, hasValue: true, "IPVS_DAEMON_ATTR_MCAST_GROUP", "sync daemon");
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP6:
                    group = ToAddress(IpFamily.V6, attribute.Value, hasValue: true, "IPVS_DAEMON_ATTR_MCAST_GROUP6", "sync daemon");
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_MCAST_PORT:
                    port = attribute.GetU16();
                    break;
                case IpvsKernel.IPVS_DAEMON_ATTR_MCAST_TTL:
                    ttl = attribute.GetU8();
                    break;
                default:
                    break;
            }
        }

        uint stateValue = state ?? throw new NetlinkDecodeException("Sync daemon reply lacks IPVS_DAEMON_ATTR_STATE.");
        if (stateValue is not (IpvsKernel.IP_VS_STATE_MASTER or IpvsKernel.IP_VS_STATE_BACKUP))
        {
            throw new NetlinkDecodeException($"Sync daemon IPVS_DAEMON_ATTR_STATE {stateValue} is neither master nor backup.");
        }

        return new SyncDaemonConfig(
            (SyncDaemonState)stateValue,
            interfaceName ?? throw new NetlinkDecodeException("Sync daemon reply lacks IPVS_DAEMON_ATTR_MCAST_IFN."),
            syncId ?? throw new NetlinkDecodeException("Sync daemon reply lacks IPVS_DAEMON_ATTR_SYNC_ID."),
            maxLength,
            group,
            port,
            ttl);
    }

    private static AttributeReader GenericAttributes(in NetlinkMessage message)
    {
        _ = GenericNetlinkHeader.Read(message.Payload);
        return message.GetAttributes(GenericNetlinkHeader.Size);
    }

    private static AttributeReader FindNested(in NetlinkMessage message, ushort type, string name)
    {
        AttributeReader attributes = GenericAttributes(message);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type == type)
            {
                return attribute.GetNested();
            }
        }

        throw new NetlinkDecodeException($"IPVS reply (type {message.Header.Type}, seq {message.Header.Sequence}) lacks {name}.");
    }

    /// <summary>
    /// STATS carries u32 counters except the two byte totals (u64); STATS64 carries u64 throughout.
    /// Reading each counter by its own size handles both.
    /// </summary>
    private static IpvsStatistics ReadStatistics(NetlinkAttribute nested, string name)
    {
        Span<ulong> counters = stackalloc ulong[IpvsKernel.IPVS_STATS_ATTR_OUTBPS + 1];
        counters.Clear();
        AttributeReader attributes = nested.GetNested();
        while (attributes.TryRead(out NetlinkAttribute counter))
        {
            if (counter.Type is < IpvsKernel.IPVS_STATS_ATTR_CONNS or > IpvsKernel.IPVS_STATS_ATTR_OUTBPS)
            {
                continue;
            }

            counters[counter.Type] = counter.Value.Length switch
            {
                >= sizeof(ulong) => MemoryMarshal.Read<ulong>(counter.Value),
                >= sizeof(uint) => MemoryMarshal.Read<uint>(counter.Value),
                _ => throw new NetlinkDecodeException($"{name} counter {counter.Type} has {counter.Value.Length} bytes, needs 4 or 8."),
            };
        }

        return new IpvsStatistics(
            counters[IpvsKernel.IPVS_STATS_ATTR_CONNS],
            counters[IpvsKernel.IPVS_STATS_ATTR_INPKTS],
            counters[IpvsKernel.IPVS_STATS_ATTR_OUTPKTS],
            counters[IpvsKernel.IPVS_STATS_ATTR_INBYTES],
            counters[IpvsKernel.IPVS_STATS_ATTR_OUTBYTES],
            counters[IpvsKernel.IPVS_STATS_ATTR_CPS],
            counters[IpvsKernel.IPVS_STATS_ATTR_INPPS],
            counters[IpvsKernel.IPVS_STATS_ATTR_OUTPPS],
            counters[IpvsKernel.IPVS_STATS_ATTR_INBPS],
            counters[IpvsKernel.IPVS_STATS_ATTR_OUTBPS]);
    }

    private static IpFamily ToFamily(ushort value, string name) => value switch
    {
        (ushort)IpFamily.V4 => IpFamily.V4,
        (ushort)IpFamily.V6 => IpFamily.V6,
        _ => throw new NetlinkDecodeException($"{name} {value} is neither AF_INET nor AF_INET6."),
    };

    private static NetAddress ToAddress(IpFamily family, ReadOnlySpan<byte> value, bool hasValue, string name, string owner)
    {
        if (!hasValue)
        {
            throw new NetlinkDecodeException($"IPVS {owner} reply lacks {name}.");
        }

        int needed = family == IpFamily.V4 ? 4 : 16;
        return value.Length >= needed
            ? NetAddress.FromBytes(family, value)
            : throw new NetlinkDecodeException($"{name} has {value.Length} bytes, an {family} address needs {needed}.");
    }

    /// <summary>The inverse of <see cref="EncodeNetmask"/>; a non-contiguous IPv4 mask has no prefix form and is refused.</summary>
    private static byte DecodeNetmask(IpFamily family, ReadOnlySpan<byte> value, in VirtualServiceKey key)
    {
        if (value.Length < sizeof(uint))
        {
            throw new NetlinkDecodeException($"Service {key}: IPVS_SVC_ATTR_NETMASK has {value.Length} bytes, needs 4.");
        }

        if (family == IpFamily.V6)
        {
            uint prefix = MemoryMarshal.Read<uint>(value);
            return prefix <= 128
                ? (byte)prefix
                : throw new NetlinkDecodeException($"Service {key}: IPv6 IPVS_SVC_ATTR_NETMASK {prefix} is not a prefix length.");
        }

        uint mask = BinaryPrimitives.ReadUInt32BigEndian(value);
        int ones = System.Numerics.BitOperations.LeadingZeroCount(~mask);
        return ones == 32 || mask << ones == 0
            ? (byte)ones
            : throw new NetlinkDecodeException(
                $"Service {key}: IPv4 IPVS_SVC_ATTR_NETMASK {mask >> 24}.{(mask >> 16) & 0xff}.{(mask >> 8) & 0xff}.{mask & 0xff} is not contiguous (no prefix length).");
    }

    private static NetlinkDecodeException Missing(string name, in VirtualServiceKey key) =>
        new($"IPVS service {key} reply lacks {name}.");

    private static NetlinkDecodeException Missing(string name, string owner) => new($"IPVS {owner} reply lacks {name}.");

    private static NetlinkDecodeException Missing(string name, NetAddress server) =>
        new($"IPVS real server {server} reply lacks {name}.");
}
