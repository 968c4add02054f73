using Ipvs.Agent.StaticServices;
using Ipvs.Agent.Tests.Support;
using Ipvs.Agent.Verification;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
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
public sealed partial class VocabularyAgreementTests
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
        (ServiceDeclaration fromFile, ServiceLabels fromLabels) = DeclareBothWays($"    scheduler: {scheduler}\n", "scheduler", scheduler);
        KernelTable saved = IpvsadmSaveParser.Parse($"-A -t 10.99.0.10:80 -s {scheduler}\n");
        (_, KernelTable listed) = IpvsadmListParser.Parse($"""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
            TCP  10.99.0.10:80 {scheduler}

            """);

        Assert.Equal(scheduler, fromFile.Service.Scheduler);
        Assert.Equal(scheduler, fromLabels.Scheduler);
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
        (ServiceDeclaration fromFile, ServiceLabels fromLabels) = DeclareBothWays(
            $"    servers:\n      - address: 10.1.1.2:80\n        method: {name}\n", "method", name);

        Assert.Equal(expected, Assert.Single(fromFile.RealServers).Method);
        Assert.Equal(expected, fromLabels.Method);
        Assert.Equal(name, IpvsVocabulary.MethodName(expected));
    }

    [Theory]
    [InlineData("tcp", IpvsProtocol.Tcp)]
    [InlineData("udp", IpvsProtocol.Udp)]
    [InlineData("sctp", IpvsProtocol.Sctp)]
    public void DeclarationParsers_EveryProtocol_AcceptTheSameName(string name, IpvsProtocol expected)
    {
        (ServiceDeclaration fromFile, ServiceLabels fromLabels) = DeclareBothWays($"    protocol: {name}\n", "protocol", name);

        Assert.Equal(expected, fromFile.Service.Key.Protocol);
        Assert.Equal(expected, fromLabels.Protocol);
        Assert.Equal(name, IpvsVocabulary.ProtocolName(expected));
    }

    /// <summary>Each check option with a value other than its default, for an https check (which takes them all).</summary>
    public static TheoryData<string, string> CheckOptionValues => new()
    {
        { "path", "/healthz" },
        { "port", "8443" },
        { "status", "200-299" },
        { "host", "web.example" },
        { "interval", "10s" },
        { "timeout", "1500ms" },
        { "rise", "3" },
        { "fall", "4" },
        { "start", "down" },
        { "on-failure", "remove" },
        { "verify-certificate", "true" },
    };

    [Fact]
    public void CheckOptionValues_CoverEveryCheckOptionButTheKind()
    {
        Assert.Equal(HealthCheckParser.Options.Where(option => option != HealthCheckParser.KindOption), CheckOptionValues.Select(row => row.Data.Item1));
    }

    [Theory]
    [MemberData(nameof(CheckOptionValues))]
    public void DeclarationParsers_EveryCheckOption_AcceptTheSameNameAndValue(string option, string value)
    {
        StaticServicesResult file = StaticServicesFile.Parse("services.yaml",
            $"services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check:\n      type: https\n      {option}: \"{value}\"\n");
        LabelParseResult labels = ContainerLabelParser.Parse("container 'web1'", new Dictionary<string, string>
        {
            ["ipvs.web.vip"] = "10.99.0.10:80",
            ["ipvs.web.check"] = "https",
            [$"ipvs.web.check-{option}"] = value,
        });

        Assert.Empty(file.Errors);
        Assert.Empty(labels.Errors);
        HealthCheck? fromFile = Assert.Single(file.Declarations).Check;
        Assert.NotEqual(HealthCheck.Of(HealthCheckKind.Https), fromFile);
        Assert.Equal(fromFile, Assert.Single(labels.Services).Check);
    }

    [Fact]
    public void ReadmeLabelTable_ListsEveryLabelOptionInOrder()
    {
        const string row = "| `ipvs.<svc>.";
        string[] documented = [.. ReadmeFile.Lines()
            .Where(line => line.StartsWith(row, StringComparison.Ordinal))
            .Select(line => line[row.Length..line.IndexOfAny(['=', '`'], row.Length)])];

        Assert.Equal(ContainerLabelParser.KnownOptions, documented);
    }

    [Fact]
    public void ReadmeHealthCheckLabelExamples_ParseWithACheck()
    {
        string[] examples = ReadmeFile.Blocks("sh", "VocabularyAgreementTests parses its labels");

        Assert.NotEmpty(examples);
        Assert.All(examples, example =>
        {
            Dictionary<string, string> labels = LabelOption().Matches(example).ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value);
            LabelParseResult parsed = ContainerLabelParser.Parse("README.md", labels);
            Assert.Empty(parsed.Errors);
            Assert.NotNull(Assert.Single(parsed.Services).Check);
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"--label (ipvs\.[^=\s]+)=(\S+)")]
    private static partial System.Text.RegularExpressions.Regex LabelOption();

    /// <summary>
    /// The service web at 10.99.0.10:80 declared both ways: <paramref name="yamlLines"/> added to its services-file
    /// entry, and the label <c>ipvs.web.&lt;option&gt;=&lt;value&gt;</c>. Both must parse without error.
    /// </summary>
    private static (ServiceDeclaration FromFile, ServiceLabels FromLabels) DeclareBothWays(string yamlLines, string option, string value)
    {
        StaticServicesResult file = StaticServicesFile.Parse("services.yaml", "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n" + yamlLines);
        LabelParseResult labels = ContainerLabelParser.Parse("container 'web1'", new Dictionary<string, string>
        {
            ["ipvs.web.vip"] = "10.99.0.10:80",
            [$"ipvs.web.{option}"] = value,
        });

        Assert.Empty(file.Errors);
        Assert.Empty(labels.Errors);
        return (Assert.Single(file.Declarations), Assert.Single(labels.Services));
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
