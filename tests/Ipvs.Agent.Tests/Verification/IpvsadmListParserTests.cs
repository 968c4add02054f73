using Ipvs.Agent.Tests.Support;
using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Tests.Verification;

/// <summary>Listings captured from ipvsadm 1.31 in the lab: the all-options table, and live traffic (3 held + 5 closed connections).</summary>
public sealed class IpvsadmListParserTests
{
    private static KernelRealServer Server(KernelTable table, string service, string server) =>
        table.Services[KeyText.ParseServiceKey(service)].RealServers[KeyText.ParseRealServerKey(server)];

    [Fact]
    public void Parse_AllOptionsListing_MatchesTheSaveFormatExceptTunnelDetails()
    {
        (IpvsadmListing listing, KernelTable listed) = IpvsadmListParser.Parse(Fixture.Read("ipvsadm-Ln-exact.txt"));
        KernelTable saved = IpvsadmSaveParser.Parse(Fixture.Read("ipvsadm-Sn-all-options.txt"));

        Assert.Equal(IpvsadmListing.Connections, listing);
        Assert.Equal(
        [
            "TCP 10.99.0.14:443: real server 10.1.1.8:443 has tunnel type ipip in the kernel, gue desired",
            "TCP 10.99.0.14:443: real server 10.1.1.8:443 has tunnel port 0 in the kernel, 6080 desired",
            "TCP 10.99.0.14:443: real server 10.1.1.9:443 has tunnel type ipip in the kernel, gue desired",
            "TCP 10.99.0.14:443: real server 10.1.1.9:443 has tunnel port 0 in the kernel, 6081 desired",
            "TCP 10.99.0.14:443: real server 10.1.1.9:443 has tunnel checksum none in the kernel, csum desired",
            "TCP 10.99.0.14:443: real server 10.1.1.10:443 has tunnel type ipip in the kernel, gue desired",
            "TCP 10.99.0.14:443: real server 10.1.1.10:443 has tunnel port 0 in the kernel, 6082 desired",
            "TCP 10.99.0.14:443: real server 10.1.1.10:443 has tunnel checksum none in the kernel, remcsum desired",
            "TCP 10.99.0.14:443: real server 10.1.1.11:443 has tunnel type ipip in the kernel, gre desired",
            "TCP 10.99.0.14:443: real server 10.1.1.11:443 has tunnel checksum none in the kernel, csum desired",
        ], KernelTableComparer.Compare(saved, listed));
    }

    [Fact]
    public void Parse_ThresholdsListing_ReadsThresholds()
    {
        (IpvsadmListing listing, KernelTable table) = IpvsadmListParser.Parse(Fixture.Read("ipvsadm-Ln-exact-thresholds.txt"));

        Assert.Equal(IpvsadmListing.Thresholds, listing);
        RealServer server = Server(table, "TCP 10.99.0.10:80", "10.1.1.2:8080").Server;
        Assert.Equal((100u, 50u), (server.UpperThreshold, server.LowerThreshold));
    }

    [Fact]
    public void Parse_LiveTrafficListing_ReadsConnectionCounts()
    {
        (_, KernelTable table) = IpvsadmListParser.Parse(Fixture.Read("traffic-ipvsadm-Ln-exact.txt"));

        KernelRealServer busy = Server(table, "TCP 10.99.0.10:80", "10.1.1.2:8080");
        Assert.Equal((3, 3u, 5u), (busy.Server.Weight, busy.Connections.ActiveConnections, busy.Connections.InactiveConnections));
        Assert.Equal(0ul, Server(table, "TCP 10.99.0.10:81", "10.1.1.2:8080").Connections.TotalConnections);
    }

    [Fact]
    public void Parse_LiveTrafficStats_ReadsCounters()
    {
        (IpvsadmListing listing, KernelTable table) = IpvsadmListParser.Parse(Fixture.Read("traffic-ipvsadm-Ln-exact-stats.txt"));

        Assert.Equal(IpvsadmListing.Stats, listing);
        KernelService service = table.Services[KeyText.ParseServiceKey("TCP 10.99.0.10:80")];
        Assert.Equal(8ul, service.Status.Statistics.Connections);
        Assert.True(service.Status.Statistics.IncomingPackets > 0);
        Assert.Equal(default, Server(table, "TCP 10.99.0.10:80", "10.1.1.2:8080").Connections); // a stats listing has no connection columns
    }

    [Fact]
    public void Parse_RateListing_ReadsRateColumns()
    {
        (IpvsadmListing listing, KernelTable table) = IpvsadmListParser.Parse(Fixture.Read("traffic-ipvsadm-Ln-exact-rate.txt"));

        Assert.Equal(IpvsadmListing.Rates, listing);
        IpvsStatistics rates = table.Services[KeyText.ParseServiceKey("TCP 10.99.0.10:80")].Status.Statistics;
        Assert.Equal((1ul, 3ul, 3ul, 179ul, 154ul),
            (rates.ConnectionsPerSecond, rates.IncomingPacketsPerSecond, rates.OutgoingPacketsPerSecond, rates.IncomingBytesPerSecond, rates.OutgoingBytesPerSecond));
    }

    [Theory]
    [InlineData("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nICMP 10.0.0.1:80 rr", "ipvsadm -Ln line 3: unknown protocol \"ICMP\": ICMP 10.0.0.1:80 rr")]
    [InlineData("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nTCP 10.0.0.1:80 rr\n  -> 10.1.1.1:80 Bridge 1 0 0", "ipvsadm -Ln line 4: unknown forwarding method \"Bridge\": -> 10.1.1.1:80 Bridge 1 0 0")]
    [InlineData("TCP 10.0.0.1:80 rr", "ipvsadm -Ln line 1: a service before the column headers: TCP 10.0.0.1:80 rr")]
    public void Parse_BadLine_ThrowsNamingTheLine(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => IpvsadmListParser.Parse(text)).Message);
    }
}
