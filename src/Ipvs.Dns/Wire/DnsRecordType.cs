namespace Ipvs.Dns.Wire;

/// <summary>The record types the responder answers or recognises (RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 6891).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CName = 5,
    Soa = 6,
    Aaaa = 28,
    Srv = 33,
    Opt = 41,
    Ixfr = 251,
    Axfr = 252,
    Any = 255,
}
