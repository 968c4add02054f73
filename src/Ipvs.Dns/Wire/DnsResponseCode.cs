namespace Ipvs.Dns.Wire;

/// <summary>Response codes (RFC 1035 4.1.1; BADVERS from RFC 6891 is 16: 4 bits in the header, the rest in the OPT record).</summary>
public enum DnsResponseCode
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,
}
