using System.Globalization;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Verification;

/// <summary>Which columns an <c>ipvsadm -Ln --exact</c> listing has, from its header.</summary>
public enum IpvsadmListing
{
    /// <summary><c>-Ln --exact</c>: Forward Weight ActiveConn InActConn.</summary>
    Connections,
    /// <summary><c>-Ln --exact --thresholds</c>: Uthreshold Lthreshold ActiveConn InActConn.</summary>
    Thresholds,
    /// <summary><c>-Ln --exact --stats</c>: Conns InPkts OutPkts InBytes OutBytes.</summary>
    Stats,
    /// <summary><c>-Ln --exact --rate</c>: CPS InPPS OutPPS InBPS OutBPS.</summary>
    Rates,
}

/// <summary>
/// Reads <c>ipvsadm -Ln --exact</c> listings (ipvsadm 1.31) into a <see cref="KernelTable"/>, for what the save format
/// lacks: connection counts, thresholds, counters and rates.
/// </summary>
/// <remarks>
/// A listing is lossy: each variant fills only the fields it prints (tunnel options never appear; the service line
/// has no scheduler in the stats and rate variants), and the rest keep their defaults. Use <see cref="IpvsadmSaveParser"/>
/// for configuration. Example (connections):
/// <code>
/// IP Virtual Server version 1.2.1 (size=4096)
/// Prot LocalAddress:Port Scheduler Flags
///   -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
/// TCP  10.99.0.10:80 wrr persistent 300 mask 255.255.255.0
///   -> 10.1.1.2:8080                Masq    3      0          0
/// UDP  10.99.0.11:53 sh (sh-fallback,sh-port) ops
/// FWM  8 IPv6 lc persistent 30
/// </code>
/// </remarks>
public static class IpvsadmListParser
{
    public static (IpvsadmListing Listing, KernelTable Table) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n');
        IpvsadmListing? listing = null;
        var services = new List<(VirtualService Service, ServiceStatus Status, List<KernelRealServer> Servers)>();
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index].TrimEnd();
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || line.StartsWith("IP Virtual Server", StringComparison.Ordinal) || words[0] == "Prot")
            {
                listing ??= words.Length > 1 && words[0] == "Prot" ? HeaderListing(line) : null;
                continue;
            }

            var context = new LineContext(index + 1, line);
            if (words[0] == "->")
            {
                if (words.Length >= 2 && words[1] == "RemoteAddress:Port")
                {
                    listing ??= ServerHeaderListing(line);
                    continue;
                }

                if (services.Count == 0)
                {
                    throw context.Error("a real server before any service");
                }

                services[^1].Servers.Add(ParseServer(words, listing ?? throw context.Error("a real server before the column headers"), context));
            }
            else
            {
                (VirtualService service, ServiceStatus status) = ParseService(words, listing ?? throw context.Error("a service before the column headers"), context);
                services.Add((service, status, []));
            }
        }

        return (listing ?? IpvsadmListing.Connections,
            KernelTable.Create(services.Select(service => new KernelService(service.Service, service.Status, service.Servers))));
    }

    private static IpvsadmListing? HeaderListing(string line) =>
        line.Contains("Conns", StringComparison.Ordinal) ? IpvsadmListing.Stats
        : line.Contains("CPS", StringComparison.Ordinal) ? IpvsadmListing.Rates
        : line.Contains("Uthreshold", StringComparison.Ordinal) ? IpvsadmListing.Thresholds
        : null;

    private static IpvsadmListing ServerHeaderListing(string line) =>
        line.Contains("Forward", StringComparison.Ordinal) ? IpvsadmListing.Connections : IpvsadmListing.Thresholds;

    private static (VirtualService, ServiceStatus) ParseService(string[] words, IpvsadmListing listing, LineContext context)
    {
        int next = 2;
        VirtualServiceKey key;
        if (words[0] == "FWM")
        {
            bool ipv6 = words.Length > 2 && words[2] == "IPv6";
            next += ipv6 ? 1 : 0;
            key = uint.TryParse(words.Length > 1 ? words[1] : null, NumberStyles.None, CultureInfo.InvariantCulture, out uint mark) && mark != 0
                ? VirtualServiceKey.ForFirewallMark(ipv6 ? IpFamily.V6 : IpFamily.V4, mark)
                : throw context.Error("not a firewall mark");
        }
        else
        {
            IpvsProtocol protocol = words[0] switch
            {
                "TCP" => IpvsProtocol.Tcp,
                "UDP" => IpvsProtocol.Udp,
                "SCTP" => IpvsProtocol.Sctp,
                _ => throw context.Error($"unknown protocol \"{words[0]}\""),
            };
            key = words.Length > 1 && KeyText.TryParseEndpoint(words[1], out NetAddress address, out ushort? port) && port is not null
                ? VirtualServiceKey.ForAddress(protocol, address, port.Value)
                : throw context.Error("not a virtual service address:port");
        }

        if (listing is IpvsadmListing.Stats or IpvsadmListing.Rates)
        {
            return (VirtualService.Create(key), new ServiceStatus(Counters(words, next, listing, context)));
        }

        string scheduler = next < words.Length ? words[next++] : throw context.Error("no scheduler");
        ServiceFlags flags = ServiceFlags.None;
        uint timeout = 0;
        byte prefix = VirtualService.FullPrefix(key.Family);
        string? persistenceEngine = null;
        while (next < words.Length)
        {
            string word = words[next++];
            switch (word)
            {
                case "persistent":
                    flags |= ServiceFlags.Persistent;
                    timeout = Number<uint>(words, next++, context);
                    break;
                case "mask":
                    string mask = next < words.Length ? words[next++] : string.Empty;
                    prefix = NetmaskText.ToPrefix(key.Family, mask) ?? throw context.Error($"\"{mask}\" is not a netmask for {key}");
                    break;
                case "ops":
                    flags |= ServiceFlags.OnePacket;
                    break;
                case "pe":
                    persistenceEngine = next < words.Length ? words[next++] : throw context.Error("no name after pe");
                    break;
                case ['(', .., ')']:
                    foreach (string flag in word[1..^1].Split(','))
                    {
                        flags |= IpvsVocabulary.TryParseSchedulerFlag(flag, out ServiceFlags bit)
                            ? bit
                            : throw context.Error($"unknown scheduler flag \"{flag}\"");
                    }

                    break;
                default:
                    throw context.Error($"unexpected \"{word}\"");
            }
        }

        return (new VirtualService(key, scheduler, flags, timeout, prefix, persistenceEngine), default);
    }

    private static KernelRealServer ParseServer(string[] words, IpvsadmListing listing, LineContext context)
    {
        if (words.Length < 2 || !KeyText.TryParseEndpoint(words[1], out NetAddress address, out ushort? port) || port is null)
        {
            throw context.Error("not a real server address:port");
        }

        var server = new RealServer(address, port.Value, ForwardingMethod.Masquerade, 0);
        switch (listing)
        {
            case IpvsadmListing.Connections:
                string forward = words.Length > 2 ? words[2] : string.Empty;
                ForwardingMethod method = IpvsVocabulary.TryParseIpvsadmMethod(forward, out ForwardingMethod parsed)
                    ? parsed
                    : throw context.Error($"unknown forwarding method \"{forward}\"");
                return new KernelRealServer(
                    server with { Method = method, Weight = Number<int>(words, 3, context) },
                    new RealServerConnections(Number<uint>(words, 4, context), Number<uint>(words, 5, context), 0));
            case IpvsadmListing.Thresholds:
                return new KernelRealServer(
                    server with { UpperThreshold = Number<uint>(words, 2, context), LowerThreshold = Number<uint>(words, 3, context) },
                    new RealServerConnections(Number<uint>(words, 4, context), Number<uint>(words, 5, context), 0));
            default:
                // A server's traffic columns are checked, but the agent's table keeps no traffic counters for servers.
                _ = Counters(words, 2, listing, context);
                return new KernelRealServer(server, default);
        }
    }

    private static IpvsStatistics Counters(string[] words, int first, IpvsadmListing listing, LineContext context)
    {
        ulong At(int offset) => Number<ulong>(words, first + offset, context);
        return listing == IpvsadmListing.Stats
            ? new IpvsStatistics(At(0), At(1), At(2), At(3), At(4), 0, 0, 0, 0, 0)
            : new IpvsStatistics(0, 0, 0, 0, 0, At(0), At(1), At(2), At(3), At(4));
    }

    private static T Number<T>(string[] words, int index, LineContext context) where T : System.Numerics.INumberBase<T> =>
        index < words.Length && T.TryParse(words[index], NumberStyles.None, CultureInfo.InvariantCulture, out T? value)
            ? value!
            : throw context.Error(index < words.Length ? $"\"{words[index]}\" is not a number" : "a column is missing");

    private readonly record struct LineContext(int Number, string Text)
    {
        public FormatException Error(string problem) => new($"ipvsadm -Ln line {Number}: {problem}: {Text.Trim()}");
    }
}
