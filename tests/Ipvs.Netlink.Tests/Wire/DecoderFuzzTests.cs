using System.Diagnostics;
using Ipvs.Core.Model;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Ipvs;
using Ipvs.Netlink.Route;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Wire;

public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 0x1b5;
    private const int Buffers = 100_000;

    [Fact]
    public void EveryDecoder_RandomAndMutatedBuffers_ThrowsOnlyDecodeException()
    {
        byte[][] seeds = ValidMessages();
        var random = new Random(Seed);
        var stopwatch = Stopwatch.StartNew();
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < Buffers; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            byte[] buffer = Mutate(random, seed);
            try
            {
                (int ok, int failed) = DecodeEverything(buffer);
                decoded += ok;
                rejected += failed;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, buffer {i} ({Hex.Format(buffer)}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        output.WriteLine($"{Buffers} buffers, {decoded} decodes succeeded, {rejected} rejected, {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(decoded > Buffers / 10, "too few buffers survived mutation to reach the decoders' inner checks");
        Assert.True(rejected > Buffers / 10, "too few mutations were caught");
    }

    private delegate long Decoder(in NetlinkMessage message);

    private static readonly Decoder[] _decoders =
    [
        static (in NetlinkMessage m) => IpvsMessages.ReadService(m).Service.TimeoutSeconds,
        static (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V4).Server.Port,
        static (in NetlinkMessage m) => IpvsMessages.ReadDestination(m, IpFamily.V6).Server.Port,
        static (in NetlinkMessage m) => IpvsMessages.ReadInfo(m).Version,
        static (in NetlinkMessage m) => IpvsMessages.ReadConfig(m).TcpSeconds,
        static (in NetlinkMessage m) => IpvsMessages.ReadDaemon(m).SyncId,
        static (in NetlinkMessage m) => GenericNetlinkMessages.ReadFamily(m).Id,
        static (in NetlinkMessage m) => NetlinkErrorMessage.Read(m).Errno + (NetlinkErrorMessage.IsAck(m) ? 1 : 0),
        static (in NetlinkMessage m) => RouteMessages.ReadLink(m).Index,
        static (in NetlinkMessage m) => RouteMessages.ReadAddress(m).PrefixLength,
        static (in NetlinkMessage m) => WalkAttributes(m.GetAttributes(4), 0) + WalkAttributes(m.GetAttributes(16), 0),
    ];

    /// <summary>Runs every decoder on every message of the buffer; returns how many succeeded and how many were rejected.</summary>
    private static (int Ok, int Failed) DecodeEverything(byte[] buffer)
    {
        int ok = 0;
        int failed = 0;
        var reader = new NetlinkMessageReader(buffer);
        while (true)
        {
            NetlinkMessage message;
            try
            {
                if (!reader.TryRead(out message))
                {
                    break;
                }
            }
            catch (NetlinkDecodeException)
            {
                failed++;
                break;
            }

            foreach (Decoder decoder in _decoders)
            {
                Count(Try(message, decoder), ref ok, ref failed);
            }
        }

        return (ok, failed);
    }

    private static void Count(bool succeeded, ref int ok, ref int failed)
    {
        if (succeeded)
        {
            ok++;
        }
        else
        {
            failed++;
        }
    }

    private static bool Try(in NetlinkMessage message, Decoder decode)
    {
        try
        {
            decode(message);
            return true;
        }
        catch (NetlinkDecodeException)
        {
            return false;
        }
    }

    /// <summary>Reads every attribute as every type and recurses into anything that looks nested.</summary>
    private static long WalkAttributes(AttributeReader reader, int depth)
    {
        long sum = 0;
        while (reader.TryRead(out NetlinkAttribute attribute))
        {
            sum += attribute.Type + attribute.GetStringBytes().Length;
            if (attribute.Value.Length >= 8)
            {
                sum += (long)(attribute.GetU64() & 0xff) + attribute.GetU32() + attribute.GetU16BigEndian() + attribute.GetU32BigEndian();
            }

            if (depth < 4 && (attribute.IsNested || LooksNested(attribute.Value)))
            {
                try
                {
                    sum += WalkAttributes(attribute.GetNested(), depth + 1);
                }
                catch (NetlinkDecodeException)
                {
                    sum--;
                }
            }
        }

        return sum;
    }

    // The kernel does not flag every nest with NLA_F_NESTED (IPVS stats); a plausible first nla_len is the hint.
    private static bool LooksNested(ReadOnlySpan<byte> value) =>
        value.Length >= 4 && BitConverter.ToUInt16(value) is var length && length >= 4 && length <= value.Length;

    private static byte[] Mutate(Random random, byte[] seed)
    {
        byte[] buffer = (byte[])seed.Clone();
        switch (random.Next(6))
        {
            case 0: // random bytes of a random length
                buffer = new byte[random.Next(0, 200)];
                random.NextBytes(buffer);
                break;
            case 1: // a few bit flips
                for (int flips = random.Next(1, 4); flips > 0 && buffer.Length > 0; flips--)
                {
                    buffer[random.Next(buffer.Length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 2: // truncation, with the header's length left claiming the original size or fixed up to the new one
                buffer = buffer[..random.Next(0, buffer.Length)];
                if (buffer.Length >= 4 && random.Next(2) == 0)
                {
                    BitConverter.TryWriteBytes(buffer, (uint)buffer.Length);
                }

                break;
            case 3: // corrupt a 16-bit length field: somewhere 4-aligned, as every nla_len is
                if (buffer.Length >= 4)
                {
                    int at = random.Next(buffer.Length / 4) * 4;
                    ushort value = random.Next(3) switch
                    {
                        0 => (ushort)random.Next(0, 8),
                        1 => (ushort)random.Next(0, ushort.MaxValue + 1),
                        _ => (ushort)(BitConverter.ToUInt16(buffer, at) + random.Next(-8, 9)),
                    };
                    BitConverter.TryWriteBytes(buffer.AsSpan(at), value);
                }

                break;
            case 4: // corrupt the message length
                if (buffer.Length >= 4)
                {
                    BitConverter.TryWriteBytes(buffer, (uint)random.Next(0, buffer.Length + 16));
                }

                break;
            default: // unchanged but followed by garbage
                buffer = [.. buffer, .. Enumerable.Range(0, random.Next(1, 20)).Select(_ => (byte)random.Next(256))];
                break;
        }

        return buffer;
    }

    private static byte[][] ValidMessages()
    {
        var generator = new ModelGenerator(Seed);
        var seeds = new List<byte[]>
        {
            Hex.Parse(LabCaptures.ControllerIpvsFamily),
            Hex.Parse(LabCaptures.Info),
            Hex.Parse(LabCaptures.ServiceTcp4),
            Hex.Parse(LabCaptures.ServiceTcp6Persistent),
            Hex.Parse(LabCaptures.ServiceFwmark),
            Hex.Parse(LabCaptures.DestinationMasquerade),
            Hex.Parse(LabCaptures.DestinationGue),
            Hex.Parse(LabCaptures.DaemonMaster),
            Hex.Parse(LabCaptures.ConfigTimeouts),
            KernelReplies.Daemon(2, "eth0", 1, 1400, NetAddress.Parse("ff02::1"), 1, 1),
            KernelReplies.Link(3, "ipvs0", 1, "dummy"),
            KernelReplies.Address(3, NetAddress.Parse("10.0.0.1"), 32),
            KernelReplies.Address(3, NetAddress.Parse("fd00::1"), 128),
        };
        byte[] request = Hex.Parse(LabCaptures.Info);
        seeds.Add(KernelReplies.Error(0, request, capped: true));
        seeds.Add(KernelReplies.Error(22, request, capped: false, text: "bad", offset: 20));
        seeds.Add(KernelReplies.Error(1, request, capped: true, text: "capped"));
        for (int i = 0; i < 20; i++)
        {
            VirtualService service = generator.Service();
            seeds.Add(KernelReplies.Service(service, generator.Statistics(), legacyStats: i % 2 == 0));
            seeds.Add(KernelReplies.Destination(generator.Server(service.Key.Family), new RealServerStatus(1, 2, 3, generator.Statistics())));
        }

        // Multi-message buffers, as dumps arrive.
        seeds.Add([.. seeds[2], .. seeds[3], .. seeds[4]]);
        seeds.Add([.. seeds[5], .. seeds[6]]);
        return [.. seeds];
    }
}
