using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Wire;

namespace Ipvs.Integration.Tests;

/// <summary>Every service command, both families, every protocol and scheduler, cross-checked with ipvsadm.</summary>
public sealed class ServiceCommandTests : IClassFixture<NamespaceFixture>
{
    private readonly NamespaceFixture _lab;

    public ServiceCommandTests(NamespaceFixture lab)
    {
        _lab = lab;
        _lab.Reset();
    }

    public static TheoryData<string> Keys => new()
    {
        "tcp 10.1.0.1 80",
        "udp 10.1.0.1 53",
        "sctp 10.1.0.1 9999",
        "tcp fd00::1 443",
        "udp fd00::1 53",
        "sctp fd00::1 38412",
        "fwm4 7",
        "fwm6 8",
    };

    public static TheoryData<string, ServiceFlags> Schedulers => new()
    {
        { "rr", ServiceFlags.None },
        { "wrr", ServiceFlags.None },
        { "lc", ServiceFlags.None },
        { "wlc", ServiceFlags.None },
        { "lblc", ServiceFlags.None },
        { "lblcr", ServiceFlags.None },
        { "dh", ServiceFlags.None },
        { "sh", ServiceFlags.None },
        { "sh", ServiceFlags.ShFallback | ServiceFlags.ShPort },
        { "sed", ServiceFlags.None },
        { "nq", ServiceFlags.None },
        { "fo", ServiceFlags.None },
        { "ovf", ServiceFlags.None },
        { "mh", ServiceFlags.None },
        { "mh", ServiceFlags.ShFallback | ServiceFlags.ShPort },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task AddService_EachProtocolAndFamily_KernelOursAndIpvsadmAgree(string key)
    {
        VirtualService service = VirtualService.Create(ParseKey(key), "rr");

        _lab.Client.AddService(service);

        await AssertEverywhere(service);
    }

    [Theory]
    [MemberData(nameof(Schedulers))]
    public async Task AddService_EachScheduler_KernelOursAndIpvsadmAgree(string scheduler, ServiceFlags flags)
    {
        VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.2.0.1"), 80), scheduler)
            with { Flags = flags };

        _lab.Client.AddService(service);

        await AssertEverywhere(service);
    }

    [Fact]
    public async Task AddService_PersistentWithNetmasks_KernelOursAndIpvsadmAgree()
    {
        VirtualService v4 = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.3.0.1"), 80), "wlc")
            with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 300, NetmaskPrefix = 24 };
        VirtualService v6 = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("fd00::3"), 80), "wlc")
            with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 60, NetmaskPrefix = 64 };
        VirtualService onePacket = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.3.0.1"), 53), "rr")
            with { Flags = ServiceFlags.OnePacket };

        _lab.Client.AddService(v4);
        _lab.Client.AddService(v6);
        _lab.Client.AddService(onePacket);

        await AssertEverywhere(v4, v6, onePacket);
    }

    [Fact]
    public async Task ListServices_ForeignNonContiguousNetmask_StrictThrowsTolerantReportsItAndReturnsTheRest()
    {
        VirtualService ours = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.3.0.2"), 80), "rr");
        _lab.Client.AddService(ours);
        // Only ipvsadm can make one: persistence granularity 255.0.255.0 has no prefix form in our model.
        await _lab.Namespace.RunAsync("ipvsadm", "-A", "-t", "192.0.2.80:80", "-s", "rr", "-p", "60", "-M", "255.0.255.0");
        List<NetlinkDecodeException> unreadable = [];

        IpvsServiceDecodeException strict = Assert.Throws<IpvsServiceDecodeException>(() => _lab.Client.ListServices());
        List<ServiceEntry> tolerant = _lab.Client.ListServices(unreadable.Add);
        List<IpvsServiceSnapshot> all = _lab.Client.ListAll(unreadable.Add);

        Assert.Contains("192.0.2.80:80", strict.Message, StringComparison.Ordinal);
        Assert.Equal([ours.Key], tolerant.Select(entry => entry.Service.Key));
        Assert.Equal([ours.Key], all.Select(snapshot => snapshot.Service.Service.Key));
        Assert.Equal(2, unreadable.Count);
        Assert.All(unreadable, problem => Assert.Contains("255.0.255.0 is not contiguous", problem.Message, StringComparison.Ordinal));
        VirtualServiceKey foreign = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("192.0.2.80"), 80);
        Assert.Equal(foreign, strict.Service);
        Assert.All(unreadable, problem => Assert.Equal(foreign, Assert.IsType<IpvsServiceDecodeException>(problem).Service));
    }

    [Fact]
    public async Task UpdateService_NewSchedulerAndPersistence_IsWhatIsReadBack()
    {
        VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.4.0.1"), 80), "rr");
        _lab.Client.AddService(service);
        VirtualService updated = service with { Scheduler = "sh", Flags = ServiceFlags.Persistent | ServiceFlags.ShPort, TimeoutSeconds = 120 };

        _lab.Client.UpdateService(updated);

        await AssertEverywhere(updated);
    }

    [Fact]
    public async Task DeleteService_Existing_IsGoneEverywhere()
    {
        VirtualService kept = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.5.0.1"), 80));
        VirtualService deleted = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.5.0.2"), 80));
        _lab.Client.AddService(kept);
        _lab.Client.AddService(deleted);

        _lab.Client.DeleteService(deleted.Key);

        Assert.Null(_lab.Client.GetService(deleted.Key));
        await AssertEverywhere(kept);
    }

    [Fact]
    public void Flush_WithServices_EmptiesTheTable()
    {
        _lab.Client.AddService(VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.6.0.1"), 80)));
        _lab.Client.AddService(VirtualService.Create(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 9)));

        _lab.Client.Flush();

        Assert.Empty(_lab.Client.ListServices());
    }

    [Fact]
    public void Zero_AllAndOne_Succeed()
    {
        VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.7.0.1"), 80));
        _lab.Client.AddService(service);

        _lab.Client.ZeroAll();
        _lab.Client.Zero(service.Key);

        ServiceEntry entry = _lab.Client.GetService(service.Key) ?? throw new InvalidOperationException("service vanished");
        Assert.Equal(default, entry.Status.Statistics);
    }

    [Fact]
    public async Task SetTimeouts_NewValues_ReadBackByUsAndIpvsadm()
    {
        IpvsTimeouts original = _lab.Client.GetTimeouts();
        Assert.Equal(new IpvsTimeouts(900, 120, 300), original);

        _lab.Client.SetTimeouts(new IpvsTimeouts(1800, 60, 0));

        Assert.Equal(new IpvsTimeouts(1800, 60, 300), _lab.Client.GetTimeouts());
        Assert.Contains("1800 60 300", await _lab.Namespace.RunAsync("ipvsadm", "-L", "--timeout"), StringComparison.Ordinal);
        _lab.Client.SetTimeouts(original);
    }

    [Fact]
    public void GetInfo_Namespace_ReportsVersion121()
    {
        IpvsInfo info = _lab.Client.GetInfo();

        Assert.Equal("1.2.1", info.VersionText);
        Assert.Equal(4096u, info.ConnectionTableSize);
    }

    internal static VirtualServiceKey ParseKey(string text)
    {
        string[] parts = text.Split(' ');
        return parts[0] switch
        {
            "fwm4" => VirtualServiceKey.ForFirewallMark(IpFamily.V4, uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)),
            "fwm6" => VirtualServiceKey.ForFirewallMark(IpFamily.V6, uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)),
            _ => VirtualServiceKey.ForAddress(
                parts[0] switch { "tcp" => IpvsProtocol.Tcp, "udp" => IpvsProtocol.Udp, _ => IpvsProtocol.Sctp },
                NetAddress.Parse(parts[1]),
                ushort.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>The single get, the dump and ipvsadm all show exactly <paramref name="expected"/>.</summary>
    private async Task AssertEverywhere(params VirtualService[] expected)
    {
        List<ServiceEntry> dumped = _lab.Client.ListServices();
        IpvsadmTable ipvsadm = await _lab.Namespace.SaveIpvsadmAsync();
        Assert.Equal(expected.Length, dumped.Count);
        Assert.Equal(expected.Length, ipvsadm.Services.Count);
        foreach (VirtualService service in expected)
        {
            ServiceEntry single = _lab.Client.GetService(service.Key) ?? throw new InvalidOperationException($"GET {service.Key} found nothing");
            Assert.True(service.SameConfiguration(single.Service), $"wrote {service}, single get read {single.Service}");
            Assert.True(single.Service.Flags.HasFlag(ServiceFlags.Hashed), "the kernel marks table entries HASHED");
            ServiceEntry inDump = Assert.Single(dumped, entry => entry.Service.Key == service.Key);
            Assert.True(service.SameConfiguration(inDump.Service), $"wrote {service}, dump read {inDump.Service}");
            VirtualService fromIpvsadm = ipvsadm.FindService(service.Key) ?? throw new InvalidOperationException($"ipvsadm does not list {service.Key}");
            Assert.True(service.SameConfiguration(fromIpvsadm), $"wrote {service}, ipvsadm shows {fromIpvsadm}");
        }
    }
}
