using System.Runtime.InteropServices;
using Ipvs.Core.Model;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Support;

/// <summary>
/// Builds replies laid out the way the kernel's <c>ip_vs_genl_fill_*</c> functions (and the controller, and rtnetlink)
/// lay them out, written attribute by attribute here rather than with the encoders under test.
/// </summary>
internal static class KernelReplies
{
    public const ushort IpvsFamilyId = 0x1c;

    public static byte[] Service(
        in VirtualService service, in IpvsStatistics statistics = default, bool legacyStats = true, bool stats64 = true, uint sequence = 7)
    {
        VirtualService s = service;
        IpvsStatistics stats = statistics;
        return Build(IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_SERVICE, sequence, (ref NetlinkWriter w) =>
        {
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
            w.WriteU16(IpvsKernel.IPVS_SVC_ATTR_AF, (ushort)s.Key.Family);
            if (s.Key.IsFirewallMark)
            {
                w.WriteU32(IpvsKernel.IPVS_SVC_ATTR_FWMARK, s.Key.FirewallMark);
            }
            else
            {
                w.WriteU16(IpvsKernel.IPVS_SVC_ATTR_PROTOCOL, (ushort)s.Key.Protocol);
                w.WriteAttribute(IpvsKernel.IPVS_SVC_ATTR_ADDR, InetAddr(s.Key.Address));
                w.WriteU16BigEndian(IpvsKernel.IPVS_SVC_ATTR_PORT, s.Key.Port);
            }

            w.WriteString(IpvsKernel.IPVS_SVC_ATTR_SCHED_NAME, s.Scheduler);
            if (s.PersistenceEngine is not null)
            {
                w.WriteString(IpvsKernel.IPVS_SVC_ATTR_PE_NAME, s.PersistenceEngine);
            }

            // The kernel reports its own HASHED bit and an all-ones mask.
            w.WriteAttribute(IpvsKernel.IPVS_SVC_ATTR_FLAGS, U32Pair((uint)s.Flags | IpvsKernel.IP_VS_SVC_F_HASHED, uint.MaxValue));
            w.WriteU32(IpvsKernel.IPVS_SVC_ATTR_TIMEOUT, s.TimeoutSeconds);
            if (s.Key.Family == IpFamily.V4)
            {
                w.WriteU32BigEndian(IpvsKernel.IPVS_SVC_ATTR_NETMASK, s.NetmaskPrefix == 0 ? 0 : uint.MaxValue << (32 - s.NetmaskPrefix));
            }
            else
            {
                w.WriteU32(IpvsKernel.IPVS_SVC_ATTR_NETMASK, s.NetmaskPrefix);
            }

            WriteStatistics(ref w, IpvsKernel.IPVS_SVC_ATTR_STATS, IpvsKernel.IPVS_SVC_ATTR_STATS64, stats, legacyStats, stats64);
            w.EndNested(nest);
        });
    }

    public static byte[] Destination(
        in RealServer server, in RealServerStatus status = default, bool addressFamily = true, bool legacyStats = true, bool stats64 = true, uint sequence = 8)
    {
        RealServer d = server;
        RealServerStatus st = status;
        return Build(IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_DEST, sequence, (ref NetlinkWriter w) =>
        {
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DEST);
            w.WriteAttribute(IpvsKernel.IPVS_DEST_ATTR_ADDR, InetAddr(d.Address));
            w.WriteU16BigEndian(IpvsKernel.IPVS_DEST_ATTR_PORT, d.Port);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_FWD_METHOD, (uint)d.Method);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_WEIGHT, (uint)d.Weight);
            w.WriteU8(IpvsKernel.IPVS_DEST_ATTR_TUN_TYPE, (byte)d.TunnelType);
            w.WriteU16BigEndian(IpvsKernel.IPVS_DEST_ATTR_TUN_PORT, d.TunnelPort);
            w.WriteU16(IpvsKernel.IPVS_DEST_ATTR_TUN_FLAGS, (ushort)d.TunnelFlags);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_U_THRESH, d.UpperThreshold);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_L_THRESH, d.LowerThreshold);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_ACTIVE_CONNS, st.ActiveConnections);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_INACT_CONNS, st.InactiveConnections);
            w.WriteU32(IpvsKernel.IPVS_DEST_ATTR_PERSIST_CONNS, st.PersistentConnections);
            if (addressFamily)
            {
                w.WriteU16(IpvsKernel.IPVS_DEST_ATTR_ADDR_FAMILY, (ushort)d.Address.Family);
            }

            WriteStatistics(ref w, IpvsKernel.IPVS_DEST_ATTR_STATS, IpvsKernel.IPVS_DEST_ATTR_STATS64, st.Statistics, legacyStats, stats64);
            w.EndNested(nest);
        });
    }

    public static byte[] Info(uint version, uint tableSize) =>
        Build(IpvsFamilyId, IpvsKernel.IPVS_CMD_SET_INFO, 9, (ref NetlinkWriter w) =>
        {
            w.WriteU32(IpvsKernel.IPVS_INFO_ATTR_VERSION, version);
            w.WriteU32(IpvsKernel.IPVS_INFO_ATTR_CONN_TAB_SIZE, tableSize);
        });

    public static byte[] Config(uint tcp, uint tcpFin, uint udp) =>
        Build(IpvsFamilyId, IpvsKernel.IPVS_CMD_SET_CONFIG, 10, (ref NetlinkWriter w) =>
        {
            w.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP, tcp);
            w.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, tcpFin);
            w.WriteU32(IpvsKernel.IPVS_CMD_ATTR_TIMEOUT_UDP, udp);
        });

    /// <summary>As ip_vs_genl_fill_daemon on 6.1: every attribute, the group in the family it was set with.</summary>
    public static byte[] Daemon(uint state, string interfaceName, uint syncId, ushort maxLength, NetAddress group, ushort port, byte ttl) =>
        Build(IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_DAEMON, 11, (ref NetlinkWriter w) =>
        {
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_DAEMON);
            w.WriteU32(IpvsKernel.IPVS_DAEMON_ATTR_STATE, state);
            w.WriteString(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_IFN, interfaceName);
            w.WriteU32(IpvsKernel.IPVS_DAEMON_ATTR_SYNC_ID, syncId);
            w.WriteU16(IpvsKernel.IPVS_DAEMON_ATTR_SYNC_MAXLEN, maxLength);
            w.WriteU16(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_PORT, port);
            w.WriteU8(IpvsKernel.IPVS_DAEMON_ATTR_MCAST_TTL, ttl);
            Span<byte> bytes = stackalloc byte[16];
            int length = group.WriteBytes(bytes);
            w.WriteAttribute(
                group.Family == IpFamily.V4 ? IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP : IpvsKernel.IPVS_DAEMON_ATTR_MCAST_GROUP6,
                bytes[..length]);
            w.EndNested(nest);
        });

    /// <summary>The controller's CTRL_CMD_NEWFAMILY for IPVS, with its operations list and a multicast-groups attribute to skip.</summary>
    public static byte[] IpvsFamily(ushort id, params (uint Id, uint Flags)[] operations) =>
        Build(GenericNetlinkKernel.GENL_ID_CTRL, GenericNetlinkKernel.CTRL_CMD_NEWFAMILY, 1, (ref NetlinkWriter w) =>
        {
            w.WriteString(GenericNetlinkKernel.CTRL_ATTR_FAMILY_NAME, "IPVS");
            w.WriteU16(GenericNetlinkKernel.CTRL_ATTR_FAMILY_ID, id);
            w.WriteU32(GenericNetlinkKernel.CTRL_ATTR_VERSION, 1);
            w.WriteU32(GenericNetlinkKernel.CTRL_ATTR_HDRSIZE, 0);
            w.WriteU32(GenericNetlinkKernel.CTRL_ATTR_MAXATTR, 6);
            int ops = w.BeginNested(GenericNetlinkKernel.CTRL_ATTR_OPS);
            for (int i = 0; i < operations.Length; i++)
            {
                int op = w.BeginNested((ushort)(i + 1));
                w.WriteU32(GenericNetlinkKernel.CTRL_ATTR_OP_ID, operations[i].Id);
                w.WriteU32(GenericNetlinkKernel.CTRL_ATTR_OP_FLAGS, operations[i].Flags);
                w.EndNested(op);
            }

            w.EndNested(ops);
            int groups = w.BeginNested(GenericNetlinkKernel.CTRL_ATTR_MCAST_GROUPS);
            w.EndNested(groups);
        });

    public static byte[] Link(int index, string name, uint flags, string? kind) =>
        Messages.Encode((ref NetlinkWriter w) =>
        {
            int message = w.BeginMessage(RtnetlinkKernel.RTM_NEWLINK, 0, 3);
            Span<byte> info = stackalloc byte[16];
            info.Clear();
            MemoryMarshal.Write(info[2..], (ushort)1); // ARPHRD_ETHER
            MemoryMarshal.Write(info[4..], index);
            MemoryMarshal.Write(info[8..], flags);
            w.WriteRaw(info);
            w.WriteString(RtnetlinkKernel.IFLA_IFNAME, name);
            w.WriteU32(4, 1500); // IFLA_MTU, to be skipped
            if (kind is not null)
            {
                int linkInfo = w.BeginNested(RtnetlinkKernel.IFLA_LINKINFO);
                w.WriteString(RtnetlinkKernel.IFLA_INFO_KIND, kind);
                w.EndNested(linkInfo);
            }

            w.EndMessage(message);
        });

    /// <summary>An RTM_NEWADDR as the kernel dumps it: IPv4 with IFA_ADDRESS + IFA_LOCAL + IFA_LABEL, IPv6 with IFA_ADDRESS only.</summary>
    public static byte[] Address(int index, NetAddress address, byte prefixLength) =>
        Messages.Encode((ref NetlinkWriter w) =>
        {
            int message = w.BeginMessage(RtnetlinkKernel.RTM_NEWADDR, NetlinkKernel.NLM_F_MULTI, 4);
            w.WriteRaw([(byte)address.Family, prefixLength, 0x80, 0, (byte)index, (byte)(index >> 8), (byte)(index >> 16), (byte)(index >> 24)]);
            Span<byte> bytes = stackalloc byte[16];
            int length = address.WriteBytes(bytes);
            w.WriteAttribute(RtnetlinkKernel.IFA_ADDRESS, bytes[..length]);
            if (address.Family == IpFamily.V4)
            {
                w.WriteAttribute(RtnetlinkKernel.IFA_LOCAL, bytes[..length]);
                w.WriteString(RtnetlinkKernel.IFA_LABEL, "ipvs0");
            }

            w.WriteU32(RtnetlinkKernel.IFA_FLAGS, 0x80);
            w.EndMessage(message);
        });

    /// <summary>NLMSG_ERROR answering <paramref name="request"/>: capped (header only) or with the whole request, plus TLVs.</summary>
    public static byte[] Error(int errno, byte[] request, bool capped, string? text = null, uint? offset = null)
    {
        bool tlvs = text is not null || offset is not null;
        ushort flags = (ushort)((capped ? NetlinkKernel.NLM_F_CAPPED : 0) | (tlvs ? NetlinkKernel.NLM_F_ACK_TLVS : 0));
        return Messages.Encode((ref NetlinkWriter w) =>
        {
            int message = w.BeginMessage(NetlinkKernel.NLMSG_ERROR, flags, MemoryMarshal.Read<uint>(request.AsSpan(8)));
            w.WriteRaw(BitConverter.GetBytes(-errno));
            w.WriteRaw(capped ? request.AsSpan(0, NetlinkHeader.Size) : request);
            if (text is not null)
            {
                w.WriteString(NetlinkKernel.NLMSGERR_ATTR_MSG, text);
            }

            if (offset is uint value)
            {
                w.WriteU32(NetlinkKernel.NLMSGERR_ATTR_OFFS, value);
            }

            w.EndMessage(message);
        });
    }

    public static byte[] Build(ushort type, byte command, uint sequence, Messages.Encoder body) =>
        Messages.Encode((ref NetlinkWriter w) =>
        {
            int message = w.BeginMessage(type, NetlinkKernel.NLM_F_MULTI, sequence, 4242);
            w.WriteGenericHeader(command, 1);
            body(ref w);
            w.EndMessage(message);
        });

    public static byte[] InetAddr(NetAddress address)
    {
        byte[] bytes = new byte[16];
        address.WriteInetAddr(bytes);
        return bytes;
    }

    public static byte[] U32Pair(uint first, uint second) => [.. BitConverter.GetBytes(first), .. BitConverter.GetBytes(second)];

    /// <summary>STATS: conns/pkts and rates u32, byte totals u64 (struct ip_vs_kstats trimmed); STATS64: all u64 with a PAD.</summary>
    public static void WriteStatistics(ref NetlinkWriter w, ushort legacyType, ushort type64, in IpvsStatistics s, bool legacy, bool wide)
    {
        if (legacy)
        {
            int nest = w.BeginNested(legacyType);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_CONNS, (uint)s.Connections);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_INPKTS, (uint)s.IncomingPackets);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_OUTPKTS, (uint)s.OutgoingPackets);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_INBYTES, s.IncomingBytes);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_OUTBYTES, s.OutgoingBytes);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_CPS, (uint)s.ConnectionsPerSecond);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_INPPS, (uint)s.IncomingPacketsPerSecond);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_OUTPPS, (uint)s.OutgoingPacketsPerSecond);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_INBPS, (uint)s.IncomingBytesPerSecond);
            w.WriteU32(IpvsKernel.IPVS_STATS_ATTR_OUTBPS, (uint)s.OutgoingBytesPerSecond);
            w.EndNested(nest);
        }

        if (wide)
        {
            int nest = w.BeginNested(type64);
            w.WriteAttribute(IpvsKernel.IPVS_STATS_ATTR_PAD, []);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_CONNS, s.Connections);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_INPKTS, s.IncomingPackets);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_OUTPKTS, s.OutgoingPackets);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_INBYTES, s.IncomingBytes);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_OUTBYTES, s.OutgoingBytes);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_CPS, s.ConnectionsPerSecond);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_INPPS, s.IncomingPacketsPerSecond);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_OUTPPS, s.OutgoingPacketsPerSecond);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_INBPS, s.IncomingBytesPerSecond);
            w.WriteU64(IpvsKernel.IPVS_STATS_ATTR_OUTBPS, s.OutgoingBytesPerSecond);
            w.EndNested(nest);
        }
    }
}
