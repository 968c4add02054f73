using Ipvs.Agent.StaticServices;
using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Docker.Labels;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Wire;

namespace Ipvs.Agent.Tests;

/// <summary>
/// Every parser and printer of scheduler and method names agrees on them. It sits here because the agent is the one
/// project that sees all of them: the services file, the container labels, the netlink codec and ipvsadm's output.
/// </summary>
public sealed class VocabularyAgreementTests
{
    /// <summary>The kernel's schedulers (net/netfilter/ipvs/ip_vs_&lt;name&gt;.c; twos is the newest), written out, not taken from the code under test.</summary>
    public static TheoryData<string> KernelSchedulers =>
        ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

    private static readonly VirtualServiceKey Key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80);

    [Fact]
    public void Schedulers_Vocabulary_ListsExactlyTheKernelSchedulers()
    {
        Assert.Equal(KernelSchedulers.Select(row => row.Data), IpvsVocabulary.Schedulers);
    }

    [Theory]
    [MemberData(nameof(KernelSchedulers))]
    public void EveryParser_KernelScheduler_AcceptsAndNamesItTheSame(string scheduler)
    {
        StaticServicesResult file = StaticServicesFile.Parse("services.yaml", $"""
            services:
              - name: web
                vip: 10.99.0.10
                port: 80
                scheduler: {scheduler}
            """);
        LabelParseResult labels = ContainerLabelParser.Parse("container 'web1'", new Dictionary<string, string>
        {
            ["ipvs.web.vip"] = "10.99.0.10:80",
            ["ipvs.web.scheduler"] = scheduler,
        });
        KernelTable saved = IpvsadmSaveParser.Parse($"-A -t 10.99.0.10:80 -s {scheduler}\n");
        (_, KernelTable listed) = IpvsadmListParser.Parse($"""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
            TCP  10.99.0.10:80 {scheduler}

            """);

        Assert.Empty(file.Errors);
        Assert.Equal(scheduler, Assert.Single(file.Declarations).Service.Scheduler);
        Assert.Empty(labels.Errors);
        Assert.Equal(scheduler, Assert.Single(labels.Services).Scheduler);
        Assert.Equal(scheduler, saved.Services[Key].Service.Scheduler);
        Assert.Equal(scheduler, listed.Services[Key].Service.Scheduler);
        // The same string object back from the codec proves the name is in its table, not decoded afresh.
        Assert.Same(IpvsVocabulary.Schedulers.Single(name => name == scheduler), RoundTripThroughCodec(VirtualService.Create(Key, scheduler)).Scheduler);
    }

    [Theory]
    [InlineData("nat", ForwardingMethod.Masquerade)]
    [InlineData("dr", ForwardingMethod.Route)]
    [InlineData("tun", ForwardingMethod.Tunnel)]
    [InlineData("local", ForwardingMethod.Local)]
    public void DeclarationParsers_EveryMethod_AcceptTheSameName(string name, ForwardingMethod expected)
    {
        // The same port on both sides: direct routing, tunnelling and local delivery cannot change it.
        StaticServicesResult file = StaticServicesFile.Parse("services.yaml", $"""
            services:
              - name: web
                vip: 10.99.0.10
                port: 80
                servers:
                  - address: 10.1.1.2:80
                    method: {name}
            """);
        LabelParseResult labels = ContainerLabelParser.Parse("container 'web1'", new Dictionary<string, string>
        {
            ["ipvs.web.vip"] = "10.99.0.10:80",
            ["ipvs.web.method"] = name,
        });

        Assert.Empty(file.Errors);
        Assert.Equal(expected, Assert.Single(Assert.Single(file.Declarations).RealServers).Method);
        Assert.Empty(labels.Errors);
        Assert.Equal(expected, Assert.Single(labels.Services).Method);
        Assert.Equal(name, IpvsVocabulary.MethodName(expected));
    }

    [Theory]
    [InlineData("tcp", IpvsProtocol.Tcp)]
    [InlineData("udp", IpvsProtocol.Udp)]
    [InlineData("sctp", IpvsProtocol.Sctp)]
    public void DeclarationParsers_EveryProtocol_AcceptTheSameName(string name, IpvsProtocol expected)
    {
        StaticServicesResult file = StaticServicesFile.Parse("services.yaml", $"""
            services:
              - name: web
                vip: 10.99.0.10
                port: 80
                protocol: {name}
            """);
        LabelParseResult labels = ContainerLabelParser.Parse("container 'web1'", new Dictionary<string, string>
        {
            ["ipvs.web.vip"] = "10.99.0.10:80",
            ["ipvs.web.protocol"] = name,
        });

        Assert.Equal(expected, Assert.Single(file.Declarations).Service.Key.Protocol);
        Assert.Equal(expected, Assert.Single(labels.Services).Protocol);
        Assert.Equal(name, IpvsVocabulary.ProtocolName(expected));
    }

    private static VirtualService RoundTripThroughCodec(VirtualService service)
    {
        byte[] buffer = new byte[IpvsMessages.MaxRequestSize];
        var writer = new NetlinkWriter(buffer);
        // Command 1 is IPVS_CMD_NEW_SERVICE: the request carries the same service attributes as a dump reply.
        IpvsMessages.WriteService(ref writer, new RequestHeader(FamilyId: 0x1c, Sequence: 1, Flags: 0), command: 1, service);
        var reader = new NetlinkMessageReader(buffer.AsSpan(0, writer.Length));
        Assert.True(reader.TryRead(out NetlinkMessage message));
        return IpvsMessages.ReadService(message).Service;
    }
}
