using Ipvs.Core.Model;
using Ipvs.Dns.Wire;
using Ipvs.Dns.Zone;

namespace Ipvs.Dns.Tests.Support;

/// <summary>The zones the tests answer from, and queries built with the production writer.</summary>
internal static class TestZones
{
    public const string Domain = "ipvs.internal";

    /// <summary>web: 10.99.0.10 TCP 80 and 443, fd00::10 TCP 80; dns: 10.99.0.53 UDP 53 only.</summary>
    public static ServiceNameZone Standard() => ServiceNameZone.Build(Domain, ttl: 5, serial: 7,
    [
        Named("web", IpvsProtocol.Tcp, "10.99.0.10", 80),
        Named("web", IpvsProtocol.Tcp, "fd00::10", 80),
        Named("web", IpvsProtocol.Tcp, "10.99.0.10", 443),
        Named("dns", IpvsProtocol.Udp, "10.99.0.53", 53),
    ]).Zone;

    /// <summary>big: one VIP with <paramref name="ports"/> TCP ports, an SRV answer far over 512 bytes.</summary>
    public static ServiceNameZone Big(int ports) => ServiceNameZone.Build(Domain, 5, 1,
        Enumerable.Range(0, ports).Select(i => Named("big", IpvsProtocol.Tcp, "10.99.0.20", (ushort)(8000 + i)))).Zone;

    public static NamedService Named(string name, IpvsProtocol protocol, string address, ushort port, string source = "test") =>
        new(name, VirtualServiceKey.ForAddress(protocol, NetAddress.Parse(address), port), source);

    /// <summary>A query with one question, RD set, optionally with an OPT record.</summary>
    public static byte[] Query(string name, DnsRecordType type, ushort id = 0x1234, ushort? ednsSize = null, ushort flags = DnsHeader.RecursionDesiredFlag)
    {
        byte[] buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        writer.WriteHeaderPlaceholder();
        writer.WriteQuestion(DnsName.Encode(name), (ushort)type, DnsClass.Internet);
        if (ednsSize is { } size)
        {
            writer.WriteOpt(size, 0, 0, dnssecOk: false);
        }

        return buffer[..writer.Finish(id, flags)];
    }
}
