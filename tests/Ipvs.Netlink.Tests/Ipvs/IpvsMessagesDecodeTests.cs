using Ipvs.Core.Model;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Ipvs;

public sealed class IpvsMessagesDecodeTests
{
    [Fact]
    public void ReadService_LabCaptureTcp4_DecodesConfiguration()
    {
        ServiceEntry entry = Messages.Decode(Hex.Parse(LabCaptures.ServiceTcp4), IpvsMessages.ReadService);

        VirtualService expected = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80));
        Assert.True(expected.SameConfiguration(entry.Service), $"{entry.Service}");
        Assert.Equal(ServiceFlags.Hashed, entry.Service.Flags);
        Assert.Equal(default, entry.Status.Statistics);
    }

    [Fact]
    public void ReadService_LabCaptureIpv6Persistent_DecodesPrefixFromHostOrderNetmask()
    {
        ServiceEntry entry = Messages.Decode(Hex.Parse(LabCaptures.ServiceTcp6Persistent), IpvsMessages.ReadService);

        Assert.Equal(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("fd00::1"), 443), entry.Service.Key);
        Assert.Equal("rr", entry.Service.Scheduler);
        Assert.Equal(ServiceFlags.Persistent | ServiceFlags.Hashed, entry.Service.Flags);
        Assert.Equal(60u, entry.Service.TimeoutSeconds);
        Assert.Equal(64, entry.Service.NetmaskPrefix);
        Assert.Null(entry.Service.PersistenceEngine);
    }

    [Fact]
    public void ReadService_LabCaptureFwmark_DecodesMarkAndSchedulerFlag()
    {
        ServiceEntry entry = Messages.Decode(Hex.Parse(LabCaptures.ServiceFwmark), IpvsMessages.ReadService);

        Assert.Equal(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7), entry.Service.Key);
        Assert.Equal("sh", entry.Service.Scheduler);
        Assert.Equal(ServiceFlags.ShPort | ServiceFlags.Hashed, entry.Service.Flags);
        Assert.Equal(32, entry.Service.NetmaskPrefix);
    }

    [Fact]
    public void ReadDestination_LabCaptures_DecodeMasqueradeAndGueTunnel()
    {
        RealServerEntry masquerade = Messages.Decode(
            Hex.Parse(LabCaptures.DestinationMasquerade), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V4));
        RealServerEntry tunnel = Messages.Decode(
            Hex.Parse(LabCaptures.DestinationGue), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V4));

        Assert.Equal(new RealServer(NetAddress.Parse("10.1.0.2"), 8080, ForwardingMethod.Masquerade, 5), masquerade.Server);
        Assert.Equal(
            new RealServer(NetAddress.Parse("10.2.0.3"), 0, ForwardingMethod.Tunnel, 2, TunnelType: TunnelType.Gue, TunnelPort: 6080),
            tunnel.Server);
        Assert.Equal(default, masquerade.Status);
    }

    [Fact]
    public void ReadInfoConfigDaemonFamily_LabCaptures_Decode()
    {
        IpvsInfo info = Messages.Decode(Hex.Parse(LabCaptures.Info), IpvsMessages.ReadInfo);
        IpvsTimeouts timeouts = Messages.Decode(Hex.Parse(LabCaptures.ConfigTimeouts), IpvsMessages.ReadConfig);
        SyncDaemonConfig daemon = Messages.Decode(Hex.Parse(LabCaptures.DaemonMaster), IpvsMessages.ReadDaemon);
        GenericNetlinkFamily family = Messages.Decode(Hex.Parse(LabCaptures.ControllerIpvsFamily), GenericNetlinkMessages.ReadFamily);

        Assert.Equal(new IpvsInfo(0x010201, 4096), info);
        Assert.Equal("1.2.1", info.VersionText);
        Assert.Equal(new IpvsTimeouts(900, 120, 300), timeouts);
        Assert.Equal(new SyncDaemonConfig(SyncDaemonState.Master, "lo", 5, 1472, NetAddress.Parse("224.0.0.81"), 8848, 1), daemon);
        Assert.Equal(0x1c, family.Id);
        Assert.Equal("IPVS", family.Name);
        Assert.Contains(family.Operations, op => op.Id == IpvsKernel.IPVS_CMD_NEW_SERVICE);
        Assert.Contains(family.Operations, op => op.Id == IpvsKernel.IPVS_CMD_FLUSH);
    }

    [Fact]
    public void ReadService_Stats64Present_PrefersItOverTruncatedLegacyStats()
    {
        var service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.0.0.2"), 53));
        var statistics = new IpvsStatistics(uint.MaxValue + 5UL, 2, 3, 4, 5, 6, 7, 8, 9, uint.MaxValue + 10UL);

        ServiceEntry wide = Messages.Decode(KernelReplies.Service(service, statistics), IpvsMessages.ReadService);
        ServiceEntry legacy = Messages.Decode(KernelReplies.Service(service, statistics, stats64: false), IpvsMessages.ReadService);

        Assert.Equal(statistics, wide.Status.Statistics);
        Assert.Equal(4ul, legacy.Status.Statistics.Connections); // the u32 attribute wrapped
        Assert.Equal(4ul, legacy.Status.Statistics.IncomingBytes); // byte totals are u64 even there
        Assert.Equal(9ul, legacy.Status.Statistics.OutgoingBytesPerSecond);
    }

    [Fact]
    public void ReadService_KnownSchedulerAndEngine_ReturnsInternedStrings()
    {
        var service = new VirtualService(
            VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.0.0.2"), 5060), new string("lblcr".AsSpan()), ServiceFlags.Persistent, 30, 32, new string("sip".AsSpan()));

        ServiceEntry first = Messages.Decode(KernelReplies.Service(service), IpvsMessages.ReadService);
        ServiceEntry second = Messages.Decode(KernelReplies.Service(service), IpvsMessages.ReadService);

        Assert.Equal("lblcr", first.Service.Scheduler);
        Assert.Same(first.Service.Scheduler, second.Service.Scheduler);
        Assert.Same(first.Service.PersistenceEngine, second.Service.PersistenceEngine);
    }

    [Fact]
    public void ReadService_UnknownScheduler_ReturnsItsName()
    {
        var service = VirtualService.Create(VirtualServiceKey.ForFirewallMark(IpFamily.V6, 9), "myown");

        ServiceEntry entry = Messages.Decode(KernelReplies.Service(service), IpvsMessages.ReadService);

        Assert.Equal("myown", entry.Service.Scheduler);
    }

    [Fact]
    public void ReadService_UnknownAttributes_AreSkipped()
    {
        byte[] reply = KernelReplies.Build(KernelReplies.IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_SERVICE, 1, (ref NetlinkWriter w) =>
        {
            w.WriteU32(77, 1);
            int nest = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
            w.WriteU64(99, 5);
            w.WriteU16(IpvsKernel.IPVS_SVC_ATTR_AF, 2);
            w.WriteU32(IpvsKernel.IPVS_SVC_ATTR_FWMARK, 3);
            w.WriteString(IpvsKernel.IPVS_SVC_ATTR_SCHED_NAME, "rr");
            w.WriteAttribute(IpvsKernel.IPVS_SVC_ATTR_FLAGS, KernelReplies.U32Pair(0, uint.MaxValue));
            w.WriteU32(IpvsKernel.IPVS_SVC_ATTR_TIMEOUT, 0);
            w.WriteU32BigEndian(IpvsKernel.IPVS_SVC_ATTR_NETMASK, 0xffffff00);
            w.WriteString(98, "future");
            w.EndNested(nest);
        });

        ServiceEntry entry = Messages.Decode(reply, IpvsMessages.ReadService);

        Assert.Equal(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 3), entry.Service.Key);
        Assert.Equal(24, entry.Service.NetmaskPrefix);
    }

    [Theory]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_SCHED_NAME, "IPVS_SVC_ATTR_SCHED_NAME")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_FLAGS, "IPVS_SVC_ATTR_FLAGS")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_TIMEOUT, "IPVS_SVC_ATTR_TIMEOUT")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_NETMASK, "IPVS_SVC_ATTR_NETMASK")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_AF, "IPVS_SVC_ATTR_AF")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_PORT, "IPVS_SVC_ATTR_PORT")]
    [InlineData(IpvsKernel.IPVS_SVC_ATTR_ADDR, "IPVS_SVC_ATTR_ADDR")]
    public void ReadService_MissingRequiredAttribute_ThrowsNamingIt(ushort missing, string name)
    {
        byte[] reply = WithoutServiceAttribute(Hex.Parse(LabCaptures.ServiceTcp4), missing);

        // Those after the key come as IpvsServiceDecodeException (see ReadService_NonContiguousIpv4Netmask_ThrowsNamingTheService).
        var error = Assert.ThrowsAny<NetlinkDecodeException>(() => Messages.Decode(reply, IpvsMessages.ReadService));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadService_NonContiguousIpv4Netmask_ThrowsNamingTheService()
    {
        byte[] reply = Hex.Parse(LabCaptures.ServiceTcp4);
        int netmask = Hex.Format(reply).IndexOf("08000900ffffffff", StringComparison.Ordinal) / 2;
        reply[netmask + 5] = 0x00; // 255.0.255.255

        var error = Assert.Throws<IpvsServiceDecodeException>(() => Messages.Decode(reply, IpvsMessages.ReadService));

        Assert.Contains("not contiguous", error.Message, StringComparison.Ordinal);
        Assert.Equal(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.0.0.1"), 80), error.Service);
    }

    [Fact]
    public void ReadService_NoAddressFamily_ThrowsWithoutAService()
    {
        byte[] reply = WithoutServiceAttribute(Hex.Parse(LabCaptures.ServiceTcp4), IpvsKernel.IPVS_SVC_ATTR_AF);

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, IpvsMessages.ReadService));

        Assert.Contains("IPVS_SVC_ATTR_AF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadService_NoServiceNest_ThrowsNamingIt()
    {
        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(KernelReplies.Config(1, 2, 3), IpvsMessages.ReadService));

        Assert.Contains("IPVS_CMD_ATTR_SERVICE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDestination_NoAddressFamilyAttribute_UsesServiceFamily()
    {
        var server = new RealServer(NetAddress.Parse("fd00::5"), 80, ForwardingMethod.Route, 1);

        RealServerEntry entry = Messages.Decode(
            KernelReplies.Destination(server, addressFamily: false), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V6));

        Assert.Equal(server, entry.Server);
    }

    [Fact]
    public void ReadDestination_CountersAndStats_AreReported()
    {
        var server = new RealServer(NetAddress.Parse("10.0.0.9"), 80, ForwardingMethod.Route, 1);
        var status = new RealServerStatus(3, 4, 5, new IpvsStatistics(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));

        RealServerEntry entry = Messages.Decode(
            KernelReplies.Destination(server, status), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V4));

        Assert.Equal(status, entry.Status);
    }

    [Fact]
    public void ReadDestination_UnknownForwardingMethod_Throws()
    {
        var server = new RealServer(NetAddress.Parse("10.0.0.9"), 80, (ForwardingMethod)5, 1);

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(
            KernelReplies.Destination(server), (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V4)));

        Assert.Contains("IPVS_DEST_ATTR_FWD_METHOD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDaemon_Ipv6Group_Decodes()
    {
        byte[] reply = KernelReplies.Daemon(2, "eth1", 3, 1400, NetAddress.Parse("ff02::51"), 9000, 2);

        SyncDaemonConfig daemon = Messages.Decode(reply, IpvsMessages.ReadDaemon);

        Assert.Equal(new SyncDaemonConfig(SyncDaemonState.Backup, "eth1", 3, 1400, NetAddress.Parse("ff02::51"), 9000, 2), daemon);
    }

    [Fact]
    public void ReadDaemon_UnknownState_Throws()
    {
        byte[] reply = KernelReplies.Daemon(3, "eth1", 3, 0, NetAddress.Parse("224.0.0.81"), 0, 0);

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, IpvsMessages.ReadDaemon));
    }

    [Fact]
    public void ReadInfo_MissingTableSize_ThrowsNamingIt()
    {
        byte[] reply = KernelReplies.Build(KernelReplies.IpvsFamilyId, IpvsKernel.IPVS_CMD_SET_INFO, 1, (ref NetlinkWriter w) =>
            w.WriteU32(IpvsKernel.IPVS_INFO_ATTR_VERSION, 1));

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, IpvsMessages.ReadInfo));

        Assert.Contains("IPVS_INFO_ATTR_CONN_TAB_SIZE", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Rebuilds a one-service reply leaving out the attribute <paramref name="type"/> from the service nest.</summary>
    private static byte[] WithoutServiceAttribute(byte[] reply, ushort type)
    {
        var copy = new List<(ushort Type, byte[] Value)>();
        var reader = new NetlinkMessageReader(reply);
        reader.TryRead(out NetlinkMessage message);
        AttributeReader top = message.GetAttributes(GenericNetlinkHeader.Size);
        top.TryRead(out NetlinkAttribute nest);
        AttributeReader attributes = nest.GetNested();
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            if (attribute.Type != type)
            {
                copy.Add((attribute.RawType, attribute.Value.ToArray()));
            }
        }

        return KernelReplies.Build(KernelReplies.IpvsFamilyId, IpvsKernel.IPVS_CMD_NEW_SERVICE, 1, (ref NetlinkWriter w) =>
        {
            int nested = w.BeginNested(IpvsKernel.IPVS_CMD_ATTR_SERVICE);
            foreach ((ushort t, byte[] v) in copy)
            {
                w.WriteAttribute(t, v);
            }

            w.EndNested(nested);
        });
    }
}
