using Ipvs.Dns.Responder;
using Ipvs.Dns.Tests.Support;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Tests.Responder;

/// <summary>Random and mutated packets: the responder answers, forwards or drops, and never throws.</summary>
public sealed class DnsResponderFuzzTests
{
    private const int Packets = 120_000;

    [Fact]
    public void Respond_RandomAndMutatedPackets_OnlyWellFormedResponsesOrDrops()
    {
        var random = new Random(20261204);
        var responders = new[] { new DnsResponder(TestZones.Standard(), canForward: false), new DnsResponder(TestZones.Standard(), canForward: true) };
        byte[][] seeds =
        [
            TestZones.Query("web.ipvs.internal", DnsRecordType.A),
            TestZones.Query("_web._tcp.ipvs.internal", DnsRecordType.Srv, ednsSize: 4096),
            TestZones.Query("nope.ipvs.internal", DnsRecordType.Aaaa, ednsSize: 1232),
            TestZones.Query("elsewhere.example", DnsRecordType.A),
            Hex.Parse("1234 0100 0001 0000 0000 0001 c00c 0001 0001 00 0029 1000 00000000 0000"),
        ];
        byte[] response = new byte[DnsResponder.MaxTcpMessage];
        byte[] nameBuffer = new byte[DnsName.MaxLength];
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Packets; i++)
        {
            byte[] packet = i % 2 == 0 ? RandomPacket(random) : Mutate(seeds[random.Next(seeds.Length)], random);
            DnsTransport transport = i % 3 == 0 ? DnsTransport.Tcp : DnsTransport.Udp;

            DnsReply reply = responders[i % 2].Respond(packet, response, transport);

            DnsQueryStatus status = DnsQueryReader.Read(packet, nameBuffer, out _);
            string outcome = reply.Kind == DnsReplyKind.Answer ? reply.Code.ToString() : reply.Kind.ToString();
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            switch (status)
            {
                case DnsQueryStatus.Drop:
                    Assert.Equal(DnsReplyKind.Drop, reply.Kind);
                    break;
                case DnsQueryStatus.FormatError:
                    Assert.Equal((DnsReplyKind.Answer, DnsResponseCode.FormErr), (reply.Kind, reply.Code));
                    break;
                case DnsQueryStatus.NotImplemented:
                    Assert.Equal((DnsReplyKind.Answer, DnsResponseCode.NotImp), (reply.Kind, reply.Code));
                    break;
            }

            if (reply.Kind == DnsReplyKind.Answer)
            {
                AssertWellFormedResponse(packet, response.AsSpan(0, reply.Length), reply.SizeLimit);
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{Packets} packets: {string.Join(", ", outcomes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {pair.Value}"))}");
        Assert.True(outcomes.GetValueOrDefault(nameof(DnsResponseCode.FormErr)) > 1000, "too few malformed packets reached FORMERR");
    }

    private static void AssertWellFormedResponse(byte[] query, ReadOnlySpan<byte> response, int sizeLimit)
    {
        Assert.True(response.Length <= sizeLimit, $"{response.Length} bytes over the limit {sizeLimit}");
        Assert.True(DnsHeader.TryRead(response, out DnsHeader header));
        Assert.True(header.IsResponse);
        Assert.Equal(DnsHeader.TryRead(query, out DnsHeader asked) ? asked.Id : -1, header.Id);
        if (header.QuestionCount == 1)
        {
            Assert.True(DnsName.TryDecompress(response, DnsHeader.Size, new byte[DnsName.MaxLength], out _, out _));
        }
    }

    private static byte[] RandomPacket(Random random)
    {
        byte[] packet = new byte[random.Next(0, 600)];
        random.NextBytes(packet);

        // Mostly queries with one question, so that the bytes after the header get exercised.
        if (packet.Length >= 12 && random.Next(4) != 0)
        {
            packet[2] &= 0x07;
            packet[4] = 0;
            packet[5] = 1;
            packet[6] = packet[8] = packet[10] = 0;
        }

        return packet;
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        byte[] packet = [.. seed];
        switch (random.Next(5))
        {
            case 0:
                return packet[..random.Next(packet.Length + 1)];
            case 1:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }

                return packet;
            case 2:
                // A compression pointer somewhere after the header, anywhere it points.
                int at = random.Next(DnsHeader.Size, packet.Length - 1);
                packet[at] = (byte)(0xC0 | random.Next(64));
                packet[at + 1] = (byte)random.Next(256);
                return packet;
            case 3:
                packet[random.Next(4, 12)] = (byte)random.Next(256);
                return packet;
            default:
                byte[] tail = new byte[random.Next(1, 64)];
                random.NextBytes(tail);
                return [.. packet, .. tail];
        }
    }
}
