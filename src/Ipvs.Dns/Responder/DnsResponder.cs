using System.Text;
using Ipvs.Dns.Wire;
using Ipvs.Dns.Zone;

namespace Ipvs.Dns.Responder;

/// <summary>
/// The answer policy, pure: which response for which query, written into caller memory. No sockets, no clock.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>In the zone, answers are authoritative (AA): the VIPs for A/AAAA, SRV with the targets' addresses in the
/// additional section, the SOA at the apex. A name that exists without the asked type is NOERROR with no answer and
/// the SOA (NODATA, RFC 2308), never NXDOMAIN, which would tell a dual-stack client the name is gone; an unknown name
/// is NXDOMAIN with the SOA, whose MINIMUM is the negative-caching TTL.</item>
/// <item>Names match without regard to case; the question is echoed as asked and answers point at it.</item>
/// <item>Malformed queries get FORMERR, opcodes other than QUERY and zone transfers NOTIMP, EDNS versions above 0
/// BADVERS; responses and runts are dropped.</item>
/// <item>Out of the zone the query is forwarded when there are upstreams, REFUSED otherwise.</item>
/// <item>EDNS0: the OPT record is echoed with our size; a UDP answer must fit the client's size (512 without EDNS0):
/// the additional section is dropped first, then the answer is sent empty with TC so that the client asks over TCP.</item>
/// </list>
/// </remarks>
public sealed class DnsResponder
{
    /// <summary>The UDP payload size we advertise (the DNS flag day 2020 figure: no fragmentation on common paths).</summary>
    public const ushort AdvertisedUdpSize = 1232;

    /// <summary>The largest UDP response we write, whatever the client offers.</summary>
    public const int MaxUdpResponse = 4096;

    public const int ClassicUdpLimit = 512;

    public const int MaxTcpMessage = 65535;

    private ServiceNameZone _zone;

    public DnsResponder(ServiceNameZone zone, bool canForward)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _zone = zone;
        CanForward = canForward;
    }

    /// <summary>Whether out-of-zone queries go to upstreams (also the RA bit).</summary>
    public bool CanForward { get; }

    public ServiceNameZone Zone => Volatile.Read(ref _zone);

    /// <summary>Swaps in a new zone; queries answered from then on see it whole.</summary>
    public void Swap(ServiceNameZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Volatile.Write(ref _zone, zone);
    }

    /// <summary>Decides and, for an answer, writes the response into <paramref name="response"/> (at least 512 bytes; 65535 for TCP answers to fit).</summary>
    public DnsReply Respond(ReadOnlySpan<byte> packet, Span<byte> response, DnsTransport transport)
    {
        Span<byte> nameBuffer = stackalloc byte[DnsName.MaxLength];
        DnsQueryStatus status = DnsQueryReader.Read(packet, nameBuffer, out DnsQuery query);
        int limit = SizeLimit(query, transport, response.Length);
        switch (status)
        {
            case DnsQueryStatus.Drop:
                return DnsReply.Drop;
            case DnsQueryStatus.FormatError:
                return Error(query, response, limit, DnsResponseCode.FormErr, withOpt: false);
            case DnsQueryStatus.NotImplemented:
                return Error(query, response, limit, DnsResponseCode.NotImp, withOpt: false);
        }

        if (query.Edns.Present && query.Edns.Version > 0)
        {
            return Error(query, response, limit, DnsResponseCode.BadVers, withOpt: true);
        }

        if (query.Type == (ushort)DnsRecordType.Opt)
        {
            return Error(query, response, limit, DnsResponseCode.FormErr, withOpt: true);
        }

        ServiceNameZone zone = Zone;
        int labels = DnsName.LabelCount(query.Name);
        bool inZone = labels >= zone.DomainLabels && DnsName.EqualsIgnoreCase(DnsName.SkipLabels(query.Name, labels - zone.DomainLabels), zone.Domain);
        if (!inZone)
        {
            return CanForward
                ? new DnsReply(DnsReplyKind.Forward, 0, DnsResponseCode.NoError, limit)
                : Error(query, response, limit, DnsResponseCode.Refused, withOpt: true);
        }

        if (query.Class is not (DnsClass.Internet or DnsClass.Any))
        {
            return Error(query, response, limit, DnsResponseCode.Refused, withOpt: true);
        }

        if (query.Type is (ushort)DnsRecordType.Axfr or (ushort)DnsRecordType.Ixfr)
        {
            return Error(query, response, limit, DnsResponseCode.NotImp, withOpt: true);
        }

        return Authoritative(query, zone, labels - zone.DomainLabels, response, limit);
    }

    /// <summary>
    /// An upstream's response for the client: as it is when it fits <paramref name="sizeLimit"/>, else its header
    /// and question with TC set (the client retries over TCP). Returns the length written, or 0 for a reply too
    /// short to be a DNS message.
    /// </summary>
    public static int FitForwarded(ReadOnlySpan<byte> upstream, int sizeLimit, Span<byte> response)
    {
        if (upstream.Length <= sizeLimit && upstream.Length <= response.Length)
        {
            upstream.CopyTo(response);
            return upstream.Length;
        }

        Span<byte> nameBuffer = stackalloc byte[DnsName.MaxLength];
        if (!DnsHeader.TryRead(upstream, out DnsHeader header)
            || header.QuestionCount != 1
            || !DnsName.TryDecompress(upstream, DnsHeader.Size, nameBuffer, out int nameLength, out int next)
            || next + 4 > upstream.Length)
        {
            return 0;
        }

        var writer = new DnsMessageWriter(response[..Math.Min(sizeLimit, response.Length)]);
        writer.WriteHeaderPlaceholder();
        writer.WriteQuestion(nameBuffer[..nameLength], System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(upstream[next..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(upstream[(next + 2)..]));
        return Math.Max(0, writer.Finish(header.Id, (ushort)(header.Flags | DnsHeader.TruncatedFlag)));
    }

    /// <summary>SERVFAIL for a query no upstream answered (0 when the query cannot be answered at all).</summary>
    public DnsReply ServerFailure(ReadOnlySpan<byte> packet, Span<byte> response, DnsTransport transport)
    {
        Span<byte> nameBuffer = stackalloc byte[DnsName.MaxLength];
        return DnsQueryReader.Read(packet, nameBuffer, out DnsQuery query) == DnsQueryStatus.Drop
            ? DnsReply.Drop
            : Error(query, response, SizeLimit(query, transport, response.Length), DnsResponseCode.ServFail, withOpt: true);
    }

    /// <summary>Whether <paramref name="reply"/> answers <paramref name="packet"/>: a response with its ID and its question.</summary>
    public static bool Answers(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> reply)
    {
        Span<byte> asked = stackalloc byte[DnsName.MaxLength];
        Span<byte> answered = stackalloc byte[DnsName.MaxLength];
        return DnsHeader.TryRead(packet, out DnsHeader query) && DnsHeader.TryRead(reply, out DnsHeader header)
            && header.IsResponse && header.Id == query.Id && header.QuestionCount == 1
            && DnsName.TryDecompress(packet, DnsHeader.Size, asked, out int askedLength, out int askedEnd) && askedEnd + 4 <= packet.Length
            && DnsName.TryDecompress(reply, DnsHeader.Size, answered, out int answeredLength, out int answeredEnd) && answeredEnd + 4 <= reply.Length
            && DnsName.EqualsIgnoreCase(asked[..askedLength], answered[..answeredLength])
            && packet.Slice(askedEnd, 4).SequenceEqual(reply.Slice(answeredEnd, 4));
    }

    private static int SizeLimit(in DnsQuery query, DnsTransport transport, int bufferLength)
    {
        int limit = transport == DnsTransport.Tcp ? MaxTcpMessage
            : query.Edns.Present ? Math.Clamp((int)query.Edns.UdpPayloadSize, ClassicUdpLimit, MaxUdpResponse)
            : ClassicUdpLimit;
        return Math.Min(limit, bufferLength);
    }

    private ushort Flags(in DnsQuery query, bool authoritative, DnsResponseCode code) => (ushort)(
        DnsHeader.ResponseFlag
        | (query.Header.Opcode << 11)
        | (authoritative ? DnsHeader.AuthoritativeFlag : 0)
        | (query.Header.Flags & (DnsHeader.RecursionDesiredFlag | DnsHeader.CheckingDisabledFlag))
        | (CanForward ? DnsHeader.RecursionAvailableFlag : 0)
        | ((int)code & 0xF));

    private DnsReply Error(in DnsQuery query, Span<byte> response, int limit, DnsResponseCode code, bool withOpt)
    {
        var writer = new DnsMessageWriter(response[..limit]);
        writer.WriteHeaderPlaceholder();
        if (query.HasQuestion)
        {
            writer.WriteQuestion(query.Name, query.Type, query.Class);
        }

        if (withOpt && query.Edns.Present)
        {
            writer.WriteOpt(AdvertisedUdpSize, (byte)((int)code >> 4), 0, query.Edns.DnssecOk);
        }

        int length = writer.Finish(query.Header.Id, Flags(query, authoritative: false, code));
        return length > 0 ? new DnsReply(DnsReplyKind.Answer, length, code, limit) : DnsReply.Drop;
    }

    private DnsReply Authoritative(in DnsQuery query, ServiceNameZone zone, int prefixLabels, Span<byte> response, int limit)
    {
        var writer = new DnsMessageWriter(response[..limit]);
        writer.WriteHeaderPlaceholder();
        writer.WriteQuestion(query.Name, query.Type, query.Class);
        WriterMark afterQuestion = writer.Mark();
        DnsResponseCode code = WriteRecords(ref writer, query, zone, prefixLabels, withAdditional: true);
        bool truncated = false;
        if (writer.Overflowed)
        {
            // Additional records are optional (RFC 2181 9): drop them before setting TC.
            writer.Rewind(afterQuestion);
            WriteRecords(ref writer, query, zone, prefixLabels, withAdditional: false);
            if (writer.Overflowed)
            {
                writer.Rewind(afterQuestion);
                WriteOpt(ref writer, query);
                truncated = true;
            }
        }

        int length = writer.Finish(query.Header.Id, (ushort)(Flags(query, authoritative: true, code) | (truncated ? DnsHeader.TruncatedFlag : 0)));
        return length > 0 ? new DnsReply(DnsReplyKind.Answer, length, code, limit) : DnsReply.Drop;
    }

    private static void WriteOpt(ref DnsMessageWriter writer, in DnsQuery query)
    {
        if (query.Edns.Present)
        {
            writer.WriteOpt(AdvertisedUdpSize, 0, 0, query.Edns.DnssecOk);
        }
    }

    /// <summary>Answer, authority and additional records for a name in the zone; returns the response code.</summary>
    private static DnsResponseCode WriteRecords(ref DnsMessageWriter writer, in DnsQuery query, ServiceNameZone zone, int prefixLabels, bool withAdditional)
    {
        var type = (DnsRecordType)query.Type;
        bool any = type == DnsRecordType.Any;
        int answers = 0;
        DnsResponseCode code = DnsResponseCode.NoError;
        switch (prefixLabels)
        {
            case 0:
                if (type == DnsRecordType.Soa || any)
                {
                    writer.WriteSoa(DnsSection.Answer, query.Name, zone.Ttl, zone.Soa, zone.Domain, zone.Mailbox);
                    answers++;
                }

                break;
            case 1 when zone.FindHost(LabelText(query.Name)) is { } host:
                if (type == DnsRecordType.A || any)
                {
                    answers += WriteAddresses(ref writer, DnsSection.Answer, query.Name, zone.Ttl, host, v4: true, v6: false);
                }

                if (type == DnsRecordType.Aaaa || any)
                {
                    answers += WriteAddresses(ref writer, DnsSection.Answer, query.Name, zone.Ttl, host, v4: false, v6: true);
                }

                break;
            case 1 when LabelText(query.Name) is ['_', .. string protocol] && zone.HasProtocol(protocol):
                break;
            case 2 when LabelText(query.Name) is ['_', .. string name]
                && LabelText(DnsName.SkipLabels(query.Name, 1)) is ['_', .. string protocol]
                && zone.FindSrv(name, protocol) is { } ports:
                if (type == DnsRecordType.Srv || any)
                {
                    ServiceNameEntry target = zone.FindHost(name)!;
                    foreach (ushort port in ports)
                    {
                        writer.WriteSrv(DnsSection.Answer, query.Name, zone.Ttl, priority: 0, weight: 1, port, target.WireName);
                        answers++;
                    }

                    if (withAdditional)
                    {
                        WriteAddresses(ref writer, DnsSection.Additional, target.WireName, zone.Ttl, target, v4: true, v6: true);
                    }
                }

                break;
            default:
                code = DnsResponseCode.NXDomain;
                break;
        }

        if (answers == 0)
        {
            // NXDOMAIN and NODATA carry the SOA, whose TTL and MINIMUM bound negative caching (RFC 2308 3).
            writer.WriteSoa(DnsSection.Authority, zone.Domain, zone.Ttl, zone.Soa, zone.Domain, zone.Mailbox);
        }

        WriteOpt(ref writer, query);
        return code;
    }

    private static int WriteAddresses(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl, ServiceNameEntry host, bool v4, bool v6)
    {
        int written = 0;
        if (v4 && host.V4 is { } address4)
        {
            writer.WriteA(section, owner, ttl, address4);
            written++;
        }

        if (v6 && host.V6 is { } address6)
        {
            writer.WriteAaaa(section, owner, ttl, address6);
            written++;
        }

        return written;
    }

    /// <summary>The first label, lower case; bytes outside ASCII never match a name in the zone.</summary>
    private static string LabelText(ReadOnlySpan<byte> name) => name.Length < 2 ? string.Empty : Encoding.Latin1.GetString(DnsName.FirstLabel(name)).ToLowerInvariant();
}
