using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Responder;

/// <summary>What to do with a query.</summary>
public enum DnsReplyKind
{
    /// <summary>Send the response written (<see cref="DnsReply.Length"/> bytes).</summary>
    Answer,

    /// <summary>Out of zone: send the query to an upstream and pass its answer through <see cref="DnsResponder.FitForwarded"/>.</summary>
    Forward,

    /// <summary>Send nothing (not a query).</summary>
    Drop,
}

/// <summary>The responder's decision for one query.</summary>
/// <param name="Kind">Answer, forward or drop.</param>
/// <param name="Length">The response's length for <see cref="DnsReplyKind.Answer"/>.</param>
/// <param name="Code">The response code sent (for metrics); NOERROR for a forward until the upstream answers.</param>
/// <param name="SizeLimit">The largest response the client takes on this transport (512, its EDNS0 size, or 65535 over TCP).</param>
public readonly record struct DnsReply(DnsReplyKind Kind, int Length, DnsResponseCode Code, int SizeLimit)
{
    public static readonly DnsReply Drop = new(DnsReplyKind.Drop, 0, DnsResponseCode.NoError, 0);
}

/// <summary>How a query arrived: UDP answers must fit the client's size, TCP ones up to 65535 bytes.</summary>
public enum DnsTransport
{
    Udp,
    Tcp,
}
