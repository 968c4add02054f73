using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Ipvs.Dns.Responder;
using Ipvs.Dns.Tests.Support;
using Ipvs.Dns.Zone;

namespace Ipvs.Dns.Tests.Server;

/// <summary>The server on loopback, every answer read by an independent parser (DnsClient).</summary>
public sealed class DnsServerTests
{
    [Fact]
    public async Task QueryA_KnownName_AuthoritativeVip()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());

        IDnsQueryResponse response = await server.Client().QueryAsync("web.ipvs.internal", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Equal("10.99.0.10", Assert.Single(response.Answers.ARecords()).Address.ToString());
        Assert.Equal(5, Assert.Single(response.Answers).InitialTimeToLive);
    }

    [Fact]
    public async Task QueryAaaa_KnownName_Ipv6Vip()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());

        IDnsQueryResponse response = await server.Client().QueryAsync("web.ipvs.internal", QueryType.AAAA, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("fd00::10", Assert.Single(response.Answers.AaaaRecords()).Address.ToString());
    }

    [Fact]
    public async Task QuerySrv_KnownService_PortsTargetsAndAdditionalAddresses()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());

        IDnsQueryResponse response = await server.Client().QueryAsync("_web._tcp.ipvs.internal", QueryType.SRV, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([80, 443], response.Answers.SrvRecords().Select(record => (int)record.Port).Order());
        Assert.All(response.Answers.SrvRecords(), record => Assert.Equal("web.ipvs.internal.", record.Target.Value));
        Assert.Equal("10.99.0.10", Assert.Single(response.Additionals.ARecords()).Address.ToString());
        Assert.Equal("fd00::10", Assert.Single(response.Additionals.AaaaRecords()).Address.ToString());
    }

    [Fact]
    public async Task Query_UnknownName_NxdomainWithSoa()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());

        IDnsQueryResponse response = await server.Client().QueryAsync("nope.ipvs.internal", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        SoaRecord soa = Assert.Single(response.Authorities.SoaRecords());
        Assert.Equal("ipvs.internal.", soa.DomainName.Value);
        Assert.Equal("hostmaster.ipvs.internal.", soa.RName.Value);
        Assert.Equal(5u, soa.Minimum);
        Assert.Equal(7u, soa.Serial);
    }

    [Fact]
    public async Task Query_KnownNameMissingType_NodataWithSoa()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());

        IDnsQueryResponse response = await server.Client().QueryAsync("dns.ipvs.internal", QueryType.AAAA, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.Single(response.Authorities.SoaRecords());
    }

    [Fact]
    public async Task QuerySrv_LargeAnswer_TruncatedOverUdpThenWholeOverTcp()
    {
        await using var server = new LoopbackDnsServer(TestZones.Big(60));

        // No EDNS0 (512 bytes): the UDP answer comes back with TC and the client asks again over TCP.
        IDnsQueryResponse response = await server.Client(ednsBufferSize: 512).QueryAsync("_big._tcp.ipvs.internal", QueryType.SRV, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(60, response.Answers.SrvRecords().Count());
        Assert.True(await server.AnsweredOverAsync(DnsTransport.Tcp, TimeSpan.FromSeconds(30)), $"no TCP answer recorded in 30 s; recorded: {string.Join(", ", server.Answers)}");
        Assert.True(response.MessageSize > 512, $"{response.MessageSize} bytes");
    }

    [Fact]
    public async Task Query_OutOfZone_ForwardedToUpstream()
    {
        await using var upstream = new LoopbackDnsServer(ServiceNameZone.Build("upstream.test", 30, 1, [TestZones.Named("host", Core.Model.IpvsProtocol.Tcp, "192.0.2.7", 80)]).Zone);
        await using var server = new LoopbackDnsServer(TestZones.Standard(), [upstream.Endpoint]);

        IDnsQueryResponse forwarded = await server.Client().QueryAsync("host.upstream.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        IDnsQueryResponse own = await server.Client().QueryAsync("web.ipvs.internal", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("192.0.2.7", Assert.Single(forwarded.Answers.ARecords()).Address.ToString());
        Assert.True(own.Header.RecursionAvailable);
        Assert.Equal("10.99.0.10", Assert.Single(own.Answers.ARecords()).Address.ToString());
    }

    [Fact]
    public async Task Query_OutOfZoneLargeUpstreamAnswer_RetriedOverTcpUpstreamAndToTheClient()
    {
        await using var upstream = new LoopbackDnsServer(ServiceNameZone.Build("upstream.test", 30, 1,
            Enumerable.Range(0, 60).Select(i => TestZones.Named("big", Core.Model.IpvsProtocol.Tcp, "192.0.2.8", (ushort)(9000 + i)))).Zone);
        await using var server = new LoopbackDnsServer(TestZones.Standard(), [upstream.Endpoint]);

        IDnsQueryResponse response = await server.Client(ednsBufferSize: 512).QueryAsync("_big._tcp.upstream.test", QueryType.SRV, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(60, response.Answers.SrvRecords().Count());
        Assert.True(await upstream.AnsweredOverAsync(DnsTransport.Tcp, TimeSpan.FromSeconds(30)), $"no TCP answer recorded upstream in 30 s; recorded: {string.Join(", ", upstream.Answers)}");
    }

    [Fact]
    public async Task Query_UpstreamSilent_Servfail()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var server = new LoopbackDnsServer(TestZones.Standard(), [(IPEndPoint)silent.LocalEndPoint!]);

        IDnsQueryResponse response = await server.Client().QueryAsync("host.elsewhere.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(DnsHeaderResponseCode.ServerFailure, response.Header.ResponseCode);
    }

    [Fact]
    public async Task Udp_GarbageBetweenQueries_ServerKeepsAnswering()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(server.Endpoint, TestContext.Current.CancellationToken);
        var random = new Random(15);
        for (int i = 0; i < 200; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            await socket.SendAsync(garbage, SocketFlags.None, TestContext.Current.CancellationToken);
        }

        IDnsQueryResponse response = await server.Client().QueryAsync("web.ipvs.internal", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("10.99.0.10", Assert.Single(response.Answers.ARecords()).Address.ToString());
        Assert.Empty(server.Troubles);
    }

    [Fact]
    public async Task Swap_NewZone_NextQueryAnswersIt()
    {
        await using var server = new LoopbackDnsServer(TestZones.Standard());
        LookupClient client = server.Client();

        server.Responder.Swap(ServiceNameZone.Build(TestZones.Domain, 5, 8, [TestZones.Named("web", Core.Model.IpvsProtocol.Tcp, "10.99.0.11", 80)]).Zone);
        IDnsQueryResponse response = await client.QueryAsync("web.ipvs.internal", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("10.99.0.11", Assert.Single(response.Answers.ARecords()).Address.ToString());
    }
}
