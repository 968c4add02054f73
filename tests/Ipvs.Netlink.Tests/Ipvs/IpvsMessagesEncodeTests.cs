using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Ipvs;

public sealed class IpvsMessagesEncodeTests
{
    private const ushort FamilyId = 0x1c;
    private static readonly RequestHeader _ack = new(FamilyId, 3, NetlinkKernel.NLM_F_ACK);
    private static readonly VirtualServiceKey _tcp = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80);
    private static readonly VirtualServiceKey _fwmark = VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7);

    // The service key nest of TCP 10.0.0.1:80, as ip_vs_genl_parse_service reads it.
    private const string TcpKeyNest =
        "30000180"                                   // nla_len 48, IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED
        + "06000100 0200 0000"                        // AF u16 = AF_INET, 2 bytes padding
        + "06000200 0600 0000"                        // PROTOCOL u16 = IPPROTO_TCP
        + "14000300 0a000001 000000000000000000000000" // ADDR: nf_inet_addr, IPv4 in the first 4 bytes
        + "06000400 0050 0000";                       // PORT be16 = 80

    [Fact]
    public void WriteService_NewTcpService_MatchesHandDerivedBytes()
    {
        byte[] expected =
        [
            0x68, 0x00, 0x00, 0x00, // nlmsg_len 104 = 16 + 4 genl + 84 nest
            0x1c, 0x00,             // nlmsg_type: the IPVS family id
            0x05, 0x00,             // NLM_F_REQUEST | NLM_F_ACK
            0x03, 0x00, 0x00, 0x00, // seq 3
            0x00, 0x00, 0x00, 0x00, // port id 0
            0x01, 0x01, 0x00, 0x00, // IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION 1
            0x54, 0x00, 0x01, 0x80, // nla_len 84, IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED
            0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, // AF: u16 2 + padding
            0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, // PROTOCOL: u16 6
            0x14, 0x00, 0x03, 0x00, 0x0a, 0x00, 0x00, 0x01, // ADDR: 20 bytes, 10.0.0.1 ...
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             // ... and 12 zero bytes of nf_inet_addr
            0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00, // PORT: be16 80 + padding
            0x08, 0x00, 0x06, 0x00, 0x77, 0x6c, 0x63, 0x00, // SCHED_NAME "wlc\0"
            0x0c, 0x00, 0x07, 0x00,                         // FLAGS: struct ip_vs_flags
            0x00, 0x00, 0x00, 0x00, 0x3d, 0x00, 0x00, 0x00, //   flags 0, mask 0x3d (every bit but HASHED)
            0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, // TIMEOUT u32 0
            0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, // NETMASK be32 255.255.255.255 (/32)
        ];

        byte[] actual = Encode((ref NetlinkWriter w) =>
            IpvsMessages.WriteService(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_SERVICE, VirtualService.Create(_tcp)));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    [Theory]
    // ipvsadm -A -t 10.0.0.1:80 -s wlc, captured in the lab (strace -e sendmsg -xx).
    [InlineData(
        "10.0.0.1", (ushort)80, "wlc", 0u, 0u, (byte)32,
        "68000000 1c00 0500 00000000 00000000 01010000 54000180 06000100 02000000 06000200 06000000 14000300 0a000001 000000000000000000000000"
        + "06000400 00500000 08000600 776c6300 0c000700 00000000 ffffffff 08000800 00000000 08000900 ffffffff")]
    // ipvsadm -A -t [fd00::1]:443 -s rr -p 60 -M 64: the IPv6 netmask travels as the prefix length in host order.
    [InlineData(
        "fd00::1", (ushort)443, "rr", 1u, 60u, (byte)64,
        "68000000 1c00 0500 00000000 00000000 01010000 54000180 06000100 0a000000 06000200 06000000 14000300 fd000000000000000000000000000001"
        + "06000400 01bb0000 07000600 72720000 0c000700 01000000 ffffffff 08000800 3c000000 08000900 40000000")]
    public void WriteService_SameServiceAsIpvsadm_MatchesCaptureExceptFlagMask(
        string vip, ushort port, string scheduler, uint flags, uint timeout, byte prefix, string ipvsadmHex)
    {
        byte[] ipvsadm = Hex.Parse(ipvsadmHex);
        var service = new VirtualService(
            VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse(vip), port), scheduler, (ServiceFlags)flags, timeout, prefix, null);

        byte[] ours = Encode((ref NetlinkWriter w) =>
            IpvsMessages.WriteService(ref w, new RequestHeader(FamilyId, 0, NetlinkKernel.NLM_F_ACK), IpvsKernel.IPVS_CMD_NEW_SERVICE, service));

        // ipvsadm sends mask ~0 (it always knows every bit); we send only the bits we manage, so the kernel keeps HASHED.
        int mask = Hex.Format(ours).IndexOf("3d000000", StringComparison.Ordinal) / 2;
        ipvsadm.AsSpan(mask, 4).CopyTo(ours.AsSpan(mask));
        Assert.Equal(Hex.Format(ipvsadm), Hex.Format(ours));
    }

    [Fact]
    public void WriteDestination_NewMasqueradeServer_MatchesHandDerivedBytes()
    {
        byte[] expected = Hex.Parse(
            "8c000000 1c00 0500 03000000 00000000"     // nlmsg_len 140, IPVS family, REQUEST|ACK, seq 3
            + "05010000"                                // IPVS_CMD_NEW_DEST, version 1
            + TcpKeyNest
            + "48000280"                                // nla_len 72, IPVS_CMD_ATTR_DEST | NLA_F_NESTED
            + "14000100 0a010002 000000000000000000000000" // ADDR 10.1.0.2 as nf_inet_addr
            + "06000200 1f90 0000"                      // PORT be16 8080
            + "08000300 00000000"                       // FWD_METHOD u32 IP_VS_CONN_F_MASQ
            + "08000400 05000000"                       // WEIGHT u32 5
            + "08000500 00000000"                       // U_THRESH u32 0
            + "08000600 00000000"                       // L_THRESH u32 0
            + "06000b00 0200 0000");                    // ADDR_FAMILY u16 AF_INET
        var server = new RealServer(NetAddress.Parse("10.1.0.2"), 8080, ForwardingMethod.Masquerade, 5);

        byte[] actual = Encode((ref NetlinkWriter w) =>
            IpvsMessages.WriteDestination(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_DEST, _tcp, server));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    [Fact]
    public void WriteDestination_GueTunnel_AddsTunnelAttributesLikeIpvsadm()
    {
        // The tunnel attributes below are byte-for-byte what ipvsadm -a -f 7 -r 10.2.0.3 -i --tun-type gue
        // --tun-port 6080 --tun-nocsum -w 2 sent in the lab (TUN_PORT big-endian 0x17c0).
        byte[] expected = Hex.Parse(
            "88000000 1c00 0500 03000000 00000000 05010000"   // nlmsg_len 136
            + "14000180 06000100 02000000 08000500 07000000" // service: AF_INET, FWMARK 7
            + "60000280"                                     // nla_len 96
            + "14000100 0a020003 000000000000000000000000"
            + "06000200 00000000"                            // PORT 0
            + "08000300 02000000"                            // FWD_METHOD IP_VS_CONN_F_TUNNEL
            + "08000400 02000000"
            + "08000500 00000000 08000600 00000000"
            + "06000b00 02000000"
            + "05000d00 01000000"                            // TUN_TYPE u8 GUE
            + "06000e00 17c00000"                            // TUN_PORT be16 6080
            + "06000f00 00000000");                          // TUN_FLAGS u16 NOCSUM
        var server = new RealServer(NetAddress.Parse("10.2.0.3"), 0, ForwardingMethod.Tunnel, 2, TunnelType: TunnelType.Gue, TunnelPort: 6080);

        byte[] actual = Encode((ref NetlinkWriter w) =>
            IpvsMessages.WriteDestination(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_DEST, _fwmark, server));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    public static TheoryData<string, string> OtherRequests() => new()
    {
        {
            "DEL_SERVICE",
            "44000000 1c00 0500 03000000 00000000 03010000" + TcpKeyNest
        },
        {
            "ZERO fwmark",
            "28000000 1c00 0500 03000000 00000000 10010000 14000180 06000100 02000000 08000500 07000000"
        },
        {
            "DEL_DEST",
            "6c000000 1c00 0500 03000000 00000000 07010000" + TcpKeyNest
            + "28000280 14000100 0a010002 000000000000000000000000 06000200 1f900000 06000b00 02000000"
        },
        {
            "GET_DEST dump",
            "28000000 1c00 0103 03000000 00000000 08010000 14000180 06000100 02000000 08000500 07000000"
        },
        {
            "FLUSH",
            "14000000 1c00 0500 03000000 00000000 11010000"
        },
        {
            "SET_CONFIG",
            "2c000000 1c00 0500 03000000 00000000 0c010000 08000400 84030000 08000500 78000000 08000600 2c010000"
        },
        {
            "NEW_DAEMON minimal",
            "30000000 1c00 0500 03000000 00000000 09010000 1c000380 08000100 01000000 07000200 6c6f0000 08000300 05000000"
        },
        {
            "NEW_DAEMON full",
            "54000000 1c00 0500 03000000 00000000 09010000 40000380 08000100 02000000 09000200 65746830 00000000"
            + "08000300 09000000 06000400 78050000 08000500 ef010203 06000700 90220000 05000800 04000000"
        },
        {
            "NEW_DAEMON IPv6 group",
            "44000000 1c00 0500 03000000 00000000 09010000 30000380 08000100 01000000 07000200 6c6f0000 08000300 05000000"
            + "14000600 ff020000000000000000000000000051"
        },
        {
            "DEL_DAEMON",
            "20000000 1c00 0500 03000000 00000000 0a010000 0c000380 08000100 02000000"
        },
    };

    [Theory]
    [MemberData(nameof(OtherRequests))]
    public void Write_EachRequestKind_MatchesExpectedBytes(string kind, string expectedHex)
    {
        var server = new RealServerKey(NetAddress.Parse("10.1.0.2"), 8080);
        var dump = new RequestHeader(FamilyId, 3, NetlinkKernel.NLM_F_DUMP);
        byte[] actual = kind switch
        {
            "DEL_SERVICE" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteServiceKey(ref w, _ack, IpvsKernel.IPVS_CMD_DEL_SERVICE, _tcp)),
            "ZERO fwmark" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteServiceKey(ref w, _ack, IpvsKernel.IPVS_CMD_ZERO, _fwmark)),
            "DEL_DEST" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteDestinationKey(ref w, _ack, _tcp, server)),
            "GET_DEST dump" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteDumpDestinations(ref w, dump, _fwmark)),
            "FLUSH" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteCommand(ref w, _ack, IpvsKernel.IPVS_CMD_FLUSH)),
            "SET_CONFIG" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteSetConfig(ref w, _ack, new IpvsTimeouts(900, 120, 300))),
            "NEW_DAEMON minimal" => Encode((ref NetlinkWriter w) =>
                IpvsMessages.WriteNewDaemon(ref w, _ack, new SyncDaemonConfig(SyncDaemonState.Master, "lo", 5))),
            "NEW_DAEMON full" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteNewDaemon(
                ref w, _ack, new SyncDaemonConfig(SyncDaemonState.Backup, "eth0", 9, 1400, NetAddress.Parse("239.1.2.3"), 8848, 4))),
            "NEW_DAEMON IPv6 group" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteNewDaemon(
                ref w, _ack, new SyncDaemonConfig(SyncDaemonState.Master, "lo", 5, Group: NetAddress.Parse("ff02::51")))),
            "DEL_DAEMON" => Encode((ref NetlinkWriter w) => IpvsMessages.WriteDeleteDaemon(ref w, _ack, SyncDaemonState.Backup)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(actual));
    }

    [Fact]
    public void WriteCommand_GetServiceDump_SetsRequestAndDumpFlags()
    {
        byte[] actual = Encode((ref NetlinkWriter w) =>
            IpvsMessages.WriteCommand(ref w, new RequestHeader(FamilyId, 12, NetlinkKernel.NLM_F_DUMP), IpvsKernel.IPVS_CMD_GET_SERVICE));

        Assert.Equal("140000001c0001030c0000000000000004010000", Hex.Format(actual));
    }

    [Fact]
    public void WriteService_LargestPossibleRequests_FitMaxRequestSize()
    {
        var service = new VirtualService(
            VirtualServiceKey.ForAddress(IpvsProtocol.Sctp, NetAddress.Parse("fd00::1"), 1), "abcdefghijklmno", ServiceFlags.Persistent, 1, 128, "abcdefghijklmno");
        var server = new RealServer(NetAddress.Parse("fd00::2"), 1, ForwardingMethod.Tunnel, 1, 1, 1, TunnelType.Gue, 1, TunnelFlags.Checksum);
        var daemon = new SyncDaemonConfig(SyncDaemonState.Backup, "abcdefghijklmno", 1, 1, NetAddress.Parse("ff02::1"), 1, 1);

        int[] sizes =
        [
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteService(ref w, _ack, IpvsKernel.IPVS_CMD_SET_SERVICE, service)).Length,
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteDestination(ref w, _ack, IpvsKernel.IPVS_CMD_SET_DEST, service.Key, server)).Length,
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteNewDaemon(ref w, _ack, daemon)).Length,
        ];

        Assert.All(sizes, size => Assert.InRange(size, 1, IpvsMessages.MaxRequestSize));
        Assert.Equal(164, sizes.Max());
    }

    [Fact]
    public void WriteService_SchedulerTooLong_ThrowsNamingIt()
    {
        var service = VirtualService.Create(_tcp, "abcdefghijklmnop");

        var error = Assert.Throws<ArgumentException>(() =>
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteService(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_SERVICE, service)));

        Assert.Contains("abcdefghijklmnop", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", 33)]
    [InlineData("fd00::1", 0)]
    [InlineData("fd00::1", 129)]
    public void WriteService_NetmaskOutOfRange_ThrowsArgumentOutOfRange(string vip, int prefix)
    {
        var service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse(vip), 53)) with { NetmaskPrefix = (byte)prefix };

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteService(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_SERVICE, service)));
    }

    [Fact]
    public void WriteService_WrongCommand_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteService(ref w, _ack, IpvsKernel.IPVS_CMD_DEL_SERVICE, VirtualService.Create(_tcp))));
    }

    [Fact]
    public void WriteDestination_NegativeWeight_ThrowsArgumentOutOfRange()
    {
        var server = new RealServer(NetAddress.Parse("10.1.0.2"), 80, ForwardingMethod.Route, -1);

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteDestination(ref w, _ack, IpvsKernel.IPVS_CMD_NEW_DEST, _tcp, server)));
    }

    [Fact]
    public void WriteServiceKey_DefaultKey_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() =>
            Encode((ref NetlinkWriter w) => IpvsMessages.WriteServiceKey(ref w, _ack, IpvsKernel.IPVS_CMD_DEL_SERVICE, default)));
    }

    [Fact]
    public void WriteNewDaemon_InterfaceNameTooLong_ThrowsArgumentException()
    {
        var daemon = new SyncDaemonConfig(SyncDaemonState.Master, "a-very-long-ifname", 1);

        Assert.Throws<ArgumentException>(() => Encode((ref NetlinkWriter w) => IpvsMessages.WriteNewDaemon(ref w, _ack, daemon)));
    }

    private static byte[] Encode(Messages.Encoder encode) => Messages.Encode(encode);
}
