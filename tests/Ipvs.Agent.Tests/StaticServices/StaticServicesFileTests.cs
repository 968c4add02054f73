using System.Text;
using Ipvs.Agent.StaticServices;
using Ipvs.Agent.Tests.Support;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Agent.Tests.StaticServices;

public sealed class StaticServicesFileTests
{
    private const string AllOptions = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            protocol: tcp
            scheduler: wrr
            persistence: 300
            netmask: 24
            servers:
              - address: 10.1.1.2:8080
                weight: 3
                method: nat
                upper-threshold: 100
                lower-threshold: 50
              - address: 10.1.1.3
                method: dr
          - name: dns
            vip: "[fd00::53]"
            port: 53
            protocol: udp
            scheduler: sh
            flags: [one-packet, sh-fallback, sh-port]
            servers:
              - address: "[fd00::2]:5353"
          - name: sip
            vip: 10.99.0.13
            port: 5060
            protocol: udp
            scheduler: rr
            persistence: 60
            pe: sip
          - name: marked
            fwmark: 7
            family: ipv6
            scheduler: mh
            flags: [mh-port]
            servers:
              - address: 10.1.1.8
                method: tun
                tunnel-type: gue
                tunnel-port: 6080
                tunnel-checksum: remcsum
              - address: "[fd00::9]"
                method: tun
                tunnel-type: gre
                tunnel-checksum: csum
                weight: 0
          - name: diameter
            vip: 10.99.0.12
            port: 3868
            protocol: sctp
            servers:
              - address: 10.1.1.6:3868
                method: local
        """;

    [Fact]
    public void Parse_AllOptions_ReadsEveryField()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", AllOptions);

        Assert.Empty(result.Errors);
        Assert.Equal(["web", "dns", "sip", "marked", "diameter"], result.Declarations.Select(declaration => declaration.Source.Name));
        Assert.All(result.Declarations, declaration => Assert.Equal(DesiredSourceKind.StaticFile, declaration.Source.Kind));

        ServiceDeclaration web = result.Declarations[0];
        Assert.Equal(new VirtualService(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80), "wrr", ServiceFlags.Persistent, 300, 24, null), web.Service);
        Assert.Equal(
        [
            new RealServer(NetAddress.Parse("10.1.1.2"), 8080, ForwardingMethod.Masquerade, 3, 100, 50),
            new RealServer(NetAddress.Parse("10.1.1.3"), 80, ForwardingMethod.Route, 1),
        ], web.RealServers);

        ServiceDeclaration dns = result.Declarations[1];
        Assert.Equal(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("fd00::53"), 53), dns.Service.Key);
        Assert.Equal(ServiceFlags.OnePacket | ServiceFlags.ShFallback | ServiceFlags.ShPort, dns.Service.Flags);
        Assert.Equal((byte)128, dns.Service.NetmaskPrefix);
        Assert.Equal(new RealServer(NetAddress.Parse("fd00::2"), 5353, ForwardingMethod.Masquerade, 1), Assert.Single(dns.RealServers));

        Assert.Equal(("sip", ServiceFlags.Persistent, 60u), (result.Declarations[2].Service.PersistenceEngine, result.Declarations[2].Service.Flags, result.Declarations[2].Service.TimeoutSeconds));

        ServiceDeclaration marked = result.Declarations[3];
        Assert.Equal(VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7), marked.Service.Key);
        Assert.Equal(ServiceFlags.ShPort, marked.Service.Flags);
        Assert.Equal(
        [
            new RealServer(NetAddress.Parse("10.1.1.8"), 0, ForwardingMethod.Tunnel, 1, 0, 0, TunnelType.Gue, 6080, TunnelFlags.RemoteChecksum),
            new RealServer(NetAddress.Parse("fd00::9"), 0, ForwardingMethod.Tunnel, 0, 0, 0, TunnelType.Gre, 0, TunnelFlags.Checksum),
        ], marked.RealServers);

        Assert.Equal(ForwardingMethod.Local, Assert.Single(result.Declarations[4].RealServers).Method);
        Assert.Equal(IpvsProtocol.Sctp, result.Declarations[4].Service.Key.Protocol);
    }

    [Fact]
    public void Parse_Defaults_TcpWlcNatWeightOne()
    {
        StaticServicesResult result = StaticServicesFile.Parse("s.yaml", "services:\n  - name: a\n    vip: 10.99.0.1\n    port: 80\n    servers:\n      - address: 10.1.1.1\n");

        ServiceDeclaration declaration = Assert.Single(result.Declarations);
        Assert.Equal(VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.1"), 80)), declaration.Service);
        Assert.Equal(new RealServer(NetAddress.Parse("10.1.1.1"), 80, ForwardingMethod.Masquerade, 1), Assert.Single(declaration.RealServers));
    }

    public static TheoryData<string, string[]> BadFiles => new()
    {
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    servers:\n      - address: 10.1.1.2:8080\n        weight: heavy\n",
            ["services.yaml:7: services[0].servers[0].weight: must be a whole number from 0 to 2147483647, got \"heavy\""]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    schedular: rr\n",
            ["services.yaml:5: services[0].schedular: unknown key; expected one of name, vip, port, protocol, fwmark, family, scheduler, persistence, netmask, pe, flags, servers, check, fallback"]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.10\n    port: 80\n  - name: b\n    vip: 10.99.0.10\n    port: 80\n",
            ["services.yaml:5: services[1]: same service as services[0] (TCP 10.99.0.10:80)"]
        },
        {
            "services:\n  - name: a\n    fwmark: 7\n    servers:\n      - address: 10.1.1.1\n      - address: 10.1.1.1:0\n",
            ["services.yaml:6: services[0].servers[1].address: nat sends to the real server's port: give one from 1 to 65535 (or omit it to use the service's), got 0"]
        },
        {
            "services:\n  - name: a\n    fwmark: 7\n    servers:\n      - address: 10.1.1.1\n        method: dr\n      - address: 10.1.1.1:0\n        method: dr\n",
            ["services.yaml:7: services[0].servers[1].address: same real server as servers[0] (10.1.1.1:0)"]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.1\n    port: 80\n    servers:\n      - address: 10.1.1.1:0\n",
            ["services.yaml:6: services[0].servers[0].address: nat sends to the real server's port: give one from 1 to 65535 (or omit it to use the service's), got 0"]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.300\n    port: 99999\n    protocol: icmp\n",
            [
                "services.yaml:3: services[0].vip: must be an IPv4 or IPv6 address, got \"10.99.0.300\"",
                "services.yaml:4: services[0].port: must be a whole number from 0 to 65535, got \"99999\"",
                "services.yaml:5: services[0].protocol: must be one of tcp, udp, sctp, got \"icmp\"",
            ]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.1\n    fwmark: 3\n  - vip: 10.99.0.2\n",
            [
                "services.yaml:2: services[0]: has both vip and fwmark; use one",
                "services.yaml:5: services[1].name: is missing",
                "services.yaml:5: services[1].port: is missing (a vip service needs a port)",
            ]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.1\n    port: 80\n    scheduler: rr\n    netmask: 24\n    flags: [sh-port]\n",
            [
                "services.yaml:6: services[0].netmask: only applies with persistence; set persistence too",
                "services.yaml:7: services[0].flags[0]: sh-port only applies with scheduler sh, not rr",
            ]
        },
        {
            "services:\n  - name: a\n    vip: 10.99.0.1\n    port: 80\n    servers:\n      - address: 10.1.1.1:8080\n        method: dr\n      - address: \"[fd00::1]:80\"\n      - address: 10.1.1.2\n        tunnel-type: gue\n",
            [
                "services.yaml:6: services[0].servers[0].address: dr does not change the port: omit it or use 80, got 8080",
                "services.yaml:8: services[0].servers[1].address: is IPv6 but the service is IPv4 (only tun may mix families)",
                "services.yaml:10: services[0].servers[2].tunnel-type: only applies with method: tun",
            ]
        },
        {
            "services:\n  - name: a\n    fwmark: 9\n    servers:\n      - address: 10.1.1.1\n        method: tun\n        tunnel-type: gue\n        upper-threshold: 5\n        lower-threshold: 6\n",
            [
                "services.yaml:9: services[0].servers[0].lower-threshold: must not exceed upper-threshold (5), got 6",
                "services.yaml:7: services[0].servers[0].tunnel-port: is missing (gue needs the UDP port of the remote end)",
            ]
        },
        { "servers: []\n", ["services.yaml:1: servers: unknown key; expected one of services", "services.yaml:1: services: is missing"] },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check:\n      type: http\n      intervall: 5s\n",
            ["services.yaml:7: services[0].check.intervall: unknown key; expected one of type, path, port, status, host, interval, timeout, rise, fall, start, on-failure, verify-certificate"]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check:\n      path: /healthz\n",
            ["services.yaml:6: services[0].check.type: is missing; expected tcp, http, https"]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check:\n      rise: 0\n      type: http\n      interval: soon\n      on-failure: drop\n      verify-certificate: [true]\n",
            [
                "services.yaml:8: services[0].check.interval: expected a duration from 100ms to 1h, such as 2s, got \"soon\"",
                "services.yaml:6: services[0].check.rise: expected a count from 1 to 100, got \"0\"",
                "services.yaml:9: services[0].check.on-failure: expected weight0 or remove, got \"drop\"",
                "services.yaml:10: services[0].check.verify-certificate: must be a single value, got a list",
            ]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check: [tcp]\n    servers:\n      - address: 10.1.1.2:8080\n        check: ping\n",
            [
                "services.yaml:5: services[0].check: must be tcp, http:/PATH, https:/PATH, off or a mapping of check options, got a list",
                "services.yaml:8: services[0].servers[0].check: expected tcp, http, https (http and https may add :/PATH), or off, got \"ping\"",
            ]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    check:\n      type: tcp\n      timeout: 3s\n      interval: 2s\n    servers:\n      - address: 10.1.1.2:8080\n        check: { type: tcp, path: /x }\n",
            [
                "services.yaml:6: services[0].check: the check timeout 3s is longer than its interval 2s",
                "services.yaml:11: services[0].servers[0].check: path, status, host and verify-certificate belong to http and https checks, not to a tcp check",
            ]
        },
        {
            "services:\n  - name: mail\n    fwmark: 7\n    check: tcp\n    servers:\n      - address: 10.1.1.1\n        method: dr\n      - address: 10.1.1.2\n        method: dr\n        check: { type: tcp, port: 25 }\n      - address: 10.1.1.3\n        method: dr\n        check: http:/\n",
            [
                "services.yaml:4: services[0].check: servers[0] (10.1.1.1:0) has no port of its own (an fwmark service keeps the client's); give the check a port",
                "services.yaml:13: services[0].servers[2].check: servers[2] (10.1.1.3:0) has no port of its own (an fwmark service keeps the client's); give the check a port",
            ]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    servers:\n      - address: 10.1.1.2\n    fallback:\n      address: 10.1.1.2:80\n",
            ["services.yaml:8: services[0].fallback.address: is the same real server as servers[0] (10.1.1.2:80); a fallback serves only while no server does"]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    fallback:\n      address: \"[fd00::9]:80\"\n",
            ["services.yaml:6: services[0].fallback.address: is IPv6 but the service is IPv4 (only tun may mix families)"]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    fallback:\n      address: \"[fd00::9]\"\n      method: tun\n",
            ["services.yaml:6: services[0].fallback.address: is IPv6 but the service is IPv4; a fallback has the service's family"]
        },
        {
            "services:\n  - name: web\n    vip: 10.99.0.10\n    port: 80\n    fallback:\n      address: 10.1.1.9:8080\n      check: tcp\n",
            ["services.yaml:7: services[0].fallback.check: unknown key; expected one of address, weight, method, upper-threshold, lower-threshold, tunnel-type, tunnel-port, tunnel-checksum"]
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Parse_BadFile_ReportsEveryErrorWithFileLineAndField(string yaml, string[] expected)
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", yaml);

        Assert.False(result.IsValid);
        Assert.Empty(result.Declarations);
        Assert.Equal(expected, result.Errors);
    }

    [Fact]
    public void Parse_ChecksAndFallback_ReadsEveryOptionAndEveryOverride()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - name: web
                vip: 10.99.0.10
                port: 80
                check:
                  type: https
                  path: /healthz
                  port: 8443
                  status: 200-299
                  host: web.example
                  interval: 10s
                  timeout: 1500ms
                  rise: 3
                  fall: 4
                  start: down
                  on-failure: remove
                  verify-certificate: true
                servers:
                  - address: 10.1.1.2:8080
                  - address: 10.1.1.3:8080
                    check: tcp
                  - address: 10.1.1.4:8080
                    check: off
                  - address: 10.1.1.5:8080
                    check:
                      type: http
                      path: /ready
                fallback:
                  address: 10.1.1.9:8080
                  weight: 5
            """);

        Assert.Empty(result.Errors);
        ServiceDeclaration web = Assert.Single(result.Declarations);
        Assert.Equal(
            new HealthCheck(HealthCheckKind.Https, 8443, "/healthz", 200, 299, "web.example", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1500), 3, 4, StartsUp: false, HealthFailureAction.Remove, VerifyCertificate: true),
            web.Check);
        Assert.Equal(
            [web.Check, HealthCheck.Of(HealthCheckKind.Tcp), null, HealthCheck.Of(HealthCheckKind.Http) with { Path = "/ready" }],
            web.RealServers.Select(server => web.CheckFor(server.Key)));
        Assert.Equal(new RealServer(NetAddress.Parse("10.1.1.9"), 8080, ForwardingMethod.Masquerade, 5), web.Fallback);
    }

    [Theory]
    [InlineData("tcp", HealthCheckKind.Tcp, "/")]
    [InlineData("http", HealthCheckKind.Http, "/")]
    [InlineData("http:/healthz", HealthCheckKind.Http, "/healthz")]
    [InlineData("https:/healthz", HealthCheckKind.Https, "/healthz")]
    public void Parse_CheckShorthand_ThatCheckWithDefaults(string shorthand, HealthCheckKind kind, string path)
    {
        StaticServicesResult result = StaticServicesFile.Parse("s.yaml", $"services:\n  - name: a\n    vip: 10.99.0.1\n    port: 80\n    check: {shorthand}\n");

        Assert.Empty(result.Errors);
        Assert.Equal(HealthCheck.Of(kind) with { Path = path }, Assert.Single(result.Declarations).Check);
    }

    [Fact]
    public void Parse_NoCheckOrOff_NothingChecked()
    {
        StaticServicesResult result = StaticServicesFile.Parse("s.yaml", """
            services:
              - { name: a, vip: 10.99.0.1, port: 80, servers: [{ address: 10.1.1.1 }] }
              - { name: b, vip: 10.99.0.2, port: 80, check: off, servers: [{ address: 10.1.1.1 }] }
            """);

        Assert.Empty(result.Errors);
        Assert.All(result.Declarations, declaration =>
            Assert.Equal((null, null, null, null), (declaration.Check, declaration.CheckOverrides, declaration.Fallback, declaration.CheckFor(declaration.RealServers[0].Key))));
    }

    [Fact]
    public void Parse_FirewallMarkCheckWithPort_ChecksThatPort()
    {
        StaticServicesResult result = StaticServicesFile.Parse("s.yaml", """
            services:
              - name: mail
                fwmark: 7
                check: { type: tcp, port: 25 }
                servers:
                  - address: 10.1.1.1
                    method: dr
            """);

        Assert.Empty(result.Errors);
        ServiceDeclaration mail = Assert.Single(result.Declarations);
        Assert.Equal((ushort)25, mail.Check!.PortFor(Assert.Single(mail.RealServers).Key));
    }

    [Fact]
    public void Parse_ReadmeHealthCheckExamples_ParseWithoutErrors()
    {
        string[] examples = ReadmeFile.Blocks("yaml", "StaticServicesFileTests parses it");

        Assert.NotEmpty(examples);
        Assert.All(examples, example =>
        {
            StaticServicesResult result = StaticServicesFile.Parse("README.md", example);
            Assert.Empty(result.Errors);
            Assert.Contains(result.Declarations, declaration => declaration.Check is not null || declaration.Fallback is not null);
        });
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsFileAndLine()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", "services: [\n");

        Assert.StartsWith("services.yaml:2: While parsing a node", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnquotedBracketedVip_ReadsIpv6Address()
    {
        StaticServicesResult result = StaticServicesFile.Parse("s.yaml", "services:\n  - name: a\n    vip: [fd00::10]\n    port: 80\n");

        Assert.Equal(NetAddress.Parse("fd00::10"), Assert.Single(result.Declarations).Service.Key.Address);
    }

    [Fact]
    public void Parse_UnquotedBracketedServerAddress_ExplainsQuoting()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", "services:\n  - name: a\n    vip: fd00::10\n    port: 80\n    servers:\n      - address: [fd00::2]:8080\n");

        Assert.EndsWith("(line 6: quote bracketed IPv6 addresses, e.g. address: \"[fd00::2]:8080\")", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneNameOnTwoPortsAndBothFamilies_AllowedAndCarriedAsTheDnsName()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - { name: web, vip: 10.99.0.10, port: 80 }
              - { name: web, vip: 10.99.0.10, port: 443 }
              - { name: web, vip: "fd00::10", port: 80 }
            """);

        Assert.Empty(result.Errors);
        Assert.All(result.Declarations, declaration => Assert.Equal("web", declaration.Name));
    }

    [Fact]
    public void Parse_OneNameOnTwoVipsOfOneFamily_Error()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - { name: web, vip: 10.99.0.10, port: 80 }
              - { name: web, vip: 10.99.0.11, port: 80 }
            """);

        Assert.Contains("\"web\" is already the name of services[0] (TCP 10.99.0.10:80)", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AliasToAnAnchorInAnotherService_ReadsTheSharedServers()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - name: a
                vip: 10.99.0.10
                port: 80
                servers: &pool
                  - address: 10.1.1.1:8080
                  - address: 10.1.1.2:8080
              - name: b
                vip: 10.99.0.11
                port: 80
                servers: *pool
            """);

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Declarations.Count);
        Assert.Equal(result.Declarations[0].RealServers, result.Declarations[1].RealServers);
        Assert.Equal(2, result.Declarations[1].RealServers.Count);
    }

    [Fact]
    public void Parse_KeyTwiceInAServerEntry_ErrorNamingFieldAndLine()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - name: a
                vip: 10.99.0.10
                port: 80
                servers:
                  - address: 10.1.1.1:8080
                    weight: 2
                    weight: 3
            """);

        Assert.Equal(["services.yaml:8: services[0].servers[0].weight: appears twice"], result.Errors);
        Assert.Empty(result.Declarations);
    }

    [Fact]
    public void Parse_FileReadWholeForAnAlias_SameDeclarationsAsReadServiceByService()
    {
        // An alias sends the reader down the whole-document path; the same services must come out of both paths.
        string aliased = AllOptions.Replace("scheduler: sh", "scheduler: &scheduler sh", StringComparison.Ordinal)
            + "\n  - { name: extra, vip: 10.99.0.14, port: 80, scheduler: *scheduler }\n";
        string plain = AllOptions + "\n  - { name: extra, vip: 10.99.0.14, port: 80, scheduler: sh }\n";

        StaticServicesResult whole = StaticServicesFile.Parse("services.yaml", aliased);
        StaticServicesResult streamed = StaticServicesFile.Parse("services.yaml", plain);

        Assert.Empty(whole.Errors);
        Assert.Empty(streamed.Errors);
        Assert.Equal(6, whole.Declarations.Count);
        Assert.Equal(streamed.Declarations.Select(d => (d.Source, d.Service, d.Name, d.Check, d.Fallback)), whole.Declarations.Select(d => (d.Source, d.Service, d.Name, d.Check, d.Fallback)));
        Assert.Equal(streamed.Declarations.SelectMany(d => d.RealServers), whole.Declarations.SelectMany(d => d.RealServers));
    }

    [Fact]
    public void Parse_UnknownRootKeyAfterTheServices_ErrorNamingItsLine()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - { name: a, vip: 10.99.0.10, port: 80 }
            servics:
              - { name: b, vip: 10.99.0.11, port: 80 }
            """);

        Assert.Equal(["services.yaml:3: servics: unknown key; expected one of services"], result.Errors);
    }

    [Fact]
    public void Parse_ErrorsInSeveralServices_EachNamedAtItsOwnLine()
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", """
            services:
              - { name: a, vip: 10.99.0.10, port: 80 }
              - { name: b, vip: 10.99.0.11, port: eighty }
              - { name: c, vip: 10.99.0.12, port: 80, scheduler: fastest }
            """);

        Assert.Equal(2, result.Errors.Count);
        Assert.StartsWith("services.yaml:3: services[1].port: ", result.Errors[0], StringComparison.Ordinal);
        Assert.StartsWith("services.yaml:4: services[2].scheduler: ", result.Errors[1], StringComparison.Ordinal);
        Assert.Empty(result.Declarations);
    }

    [Fact]
    public void Load_FileOfTheUsualShapeWithByteOrderMark_SameDeclarationsAsParseOfItsText()
    {
        StaticServicesResult loaded = LoadFile([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(AllOptions)], out string path);
        StaticServicesResult parsed = StaticServicesFile.Parse(path, AllOptions);

        Assert.Empty(loaded.Errors);
        Assert.Equal(5, loaded.Declarations.Count);
        Assert.Equal(parsed.Declarations.Select(d => (d.Source, d.Service, d.Name)), loaded.Declarations.Select(d => (d.Source, d.Service, d.Name)));
        Assert.Equal(parsed.Declarations.SelectMany(d => d.RealServers), loaded.Declarations.SelectMany(d => d.RealServers));
    }

    [Fact]
    public void Load_AliasToAnAnchorInAnotherService_FileReadAgainWholeAndServersShared()
    {
        StaticServicesResult result = LoadFile(Encoding.UTF8.GetBytes("""
            services:
              - { name: a, vip: 10.99.0.10, port: 80, servers: &pool [ { address: "10.1.1.1:8080" } ] }
              - { name: b, vip: 10.99.0.11, port: 80, servers: *pool }
            """), out _);

        Assert.Empty(result.Errors);
        Assert.Equal(result.Declarations[0].RealServers, Assert.Single(result.Declarations, declaration => declaration.Name == "b").RealServers);
    }

    [Fact]
    public void Load_UnquotedBracketedServerAddress_ErrorNamesFileLineAndQuoting()
    {
        StaticServicesResult result = LoadFile(Encoding.UTF8.GetBytes("services:\n  - name: a\n    vip: fd00::10\n    port: 80\n    servers:\n      - address: [fd00::2]:8080\n"), out string path);

        string error = Assert.Single(result.Errors);
        Assert.StartsWith($"{path}:6: ", error, StringComparison.Ordinal);
        Assert.EndsWith("(line 6: quote bracketed IPv6 addresses, e.g. address: \"[fd00::2]:8080\")", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidByteAfterThousandsOfValidServices_OnlyTheUtf8ErrorNamingTheByte()
    {
        // The file is decoded as it is parsed: the bad byte is found partway, after services already read.
        var yaml = new StringBuilder("services:\n");
        for (int i = 0; i < 2_000; i++)
        {
            yaml.Append($"  - name: s{i}\n    vip: 10.99.{i / 250}.{i % 250}\n    port: 80\n    servers:\n      - address: 10.1.1.1:8080\n");
        }

        byte[] valid = Encoding.UTF8.GetBytes(yaml.ToString());
        StaticServicesResult result = LoadFile([.. valid, .. Encoding.UTF8.GetBytes("  - name: caf"), 0xE9, .. Encoding.UTF8.GetBytes("\n")], out string path);

        Assert.Equal([$"{path}: not UTF-8 text (byte {valid.Length + 13} is invalid)"], result.Errors);
        Assert.Empty(result.Declarations);
    }

    [Fact]
    public void Load_NotUtf8_ErrorNamesFileAndByte()
    {
        StaticServicesResult result = LoadFile([.. Encoding.UTF8.GetBytes("services:\n  - name: caf"), 0xE9], out string path);

        Assert.Equal([$"{path}: not UTF-8 text (byte 23 is invalid)"], result.Errors);
        Assert.Empty(result.Declarations);
    }

    private static StaticServicesResult LoadFile(byte[] content, out string path)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("ipvs-static-services-");
        try
        {
            path = Path.Combine(directory.FullName, "services.yaml");
            File.WriteAllBytes(path, content);
            return StaticServicesFile.Load(path);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
