using System.Globalization;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Verification;

/// <summary>
/// Reads the rules <c>ipvsadm -Sn</c> prints (ipvsadm 1.31) into a <see cref="KernelTable"/>, to check the kernel
/// with a tool independent of our netlink code.
/// </summary>
/// <remarks>
/// The save format carries configuration only: status counters are zero, and ipvsadm 1.31 does not print real-server
/// thresholds (<c>-x</c>/<c>-y</c> are read if a later version prints them). Example lines:
/// <code>
/// -A -t 10.99.0.10:80 -s wrr -p 300 -M 255.255.255.0
/// -A -u 10.99.0.11:53 -s sh -o -b sh-fallback,sh-port
/// -A -f 8 -6 -s lc -p 30
/// -a -t 10.99.0.10:80 -r 10.1.1.2:8080 -m -w 3
/// -a -t 10.99.0.14:443 -r 10.1.1.8:443 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
/// </code>
/// </remarks>
public static class IpvsadmSaveParser
{
    public static KernelTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var services = new Dictionary<VirtualServiceKey, (VirtualService Service, List<KernelRealServer> Servers)>();
        var order = new List<VirtualServiceKey>();
        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var tokens = new Tokens(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), index + 1);
            string command = tokens.Next("a command");
            if (command == "-A")
            {
                VirtualService service = ParseService(tokens);
                if (!services.TryAdd(service.Key, (service, [])))
                {
                    throw tokens.Error($"service {service.Key} appears twice");
                }

                order.Add(service.Key);
            }
            else if (command == "-a")
            {
                (VirtualServiceKey key, RealServer server) = ParseServer(tokens);
                if (!services.TryGetValue(key, out var service))
                {
                    throw tokens.Error($"real server {server.Key} for {key}, which has no -A line before it");
                }

                service.Servers.Add(new KernelRealServer(server, default));
            }
            else
            {
                throw tokens.Error($"expected -A or -a, got \"{command}\"");
            }
        }

        return KernelTable.Create(order.Select(key => new KernelService(services[key].Service, default, services[key].Servers)));
    }

    private static VirtualService ParseService(Tokens tokens)
    {
        (IpvsProtocol protocol, string target) = tokens.ServiceSpec();
        bool ipv6Mark = false;
        string scheduler = VirtualService.DefaultScheduler;
        ServiceFlags flags = ServiceFlags.None;
        uint timeout = 0;
        string? netmask = null;
        string? persistenceEngine = null;
        while (tokens.TryNext(out string? option))
        {
            switch (option)
            {
                case "-6":
                    ipv6Mark = true;
                    break;
                case "-s":
                    scheduler = tokens.Next("a scheduler after -s");
                    break;
                case "-p":
                    flags |= ServiceFlags.Persistent;
                    timeout = tokens.Number<uint>("-p");
                    break;
                case "-M":
                    netmask = tokens.Next("a netmask after -M");
                    break;
                case "-o":
                    flags |= ServiceFlags.OnePacket;
                    break;
                case "-b":
                    flags |= SchedulerFlags(tokens, tokens.Next("scheduler flags after -b"));
                    break;
                case "--pe":
                    persistenceEngine = tokens.Next("a persistence engine after --pe");
                    break;
                default:
                    throw tokens.Error($"unknown service option \"{option}\"");
            }
        }

        VirtualServiceKey key = tokens.Key(protocol, target, ipv6Mark);
        byte prefix = netmask is null
            ? VirtualService.FullPrefix(key.Family)
            : NetmaskText.ToPrefix(key.Family, netmask) ?? throw tokens.Error($"\"{netmask}\" is not a netmask for {key}");
        return new VirtualService(key, scheduler, flags, timeout, prefix, persistenceEngine);
    }

    private static (VirtualServiceKey, RealServer) ParseServer(Tokens tokens)
    {
        (IpvsProtocol protocol, string target) = tokens.ServiceSpec();
        bool ipv6Mark = false;
        RealServer server = new(default, 0, ForwardingMethod.Route, 1);
        bool hasAddress = false;
        while (tokens.TryNext(out string? option))
        {
            switch (option)
            {
                case "-6":
                    ipv6Mark = true;
                    break;
                case "-r":
                    string endpoint = tokens.Next("a real server after -r");
                    if (!KeyText.TryParseEndpoint(endpoint, out NetAddress address, out ushort? port))
                    {
                        throw tokens.Error($"\"{endpoint}\" is not a real server address");
                    }

                    server = server with { Address = address, Port = port ?? 0 };
                    hasAddress = true;
                    break;
                case "-m":
                    server = server with { Method = ForwardingMethod.Masquerade };
                    break;
                case "-g":
                    server = server with { Method = ForwardingMethod.Route };
                    break;
                case "-i":
                    server = server with { Method = ForwardingMethod.Tunnel };
                    break;
                case "-w":
                    server = server with { Weight = tokens.Number<int>("-w") };
                    break;
                case "-x":
                    server = server with { UpperThreshold = tokens.Number<uint>("-x") };
                    break;
                case "-y":
                    server = server with { LowerThreshold = tokens.Number<uint>("-y") };
                    break;
                case "--tun-type":
                    string type = tokens.Next("a tunnel type after --tun-type");
                    server = server with
                    {
                        TunnelType = IpvsVocabulary.TryParseTunnelType(type, out TunnelType tunnelType)
                            ? tunnelType
                            : throw tokens.Error($"unknown tunnel type \"{type}\""),
                    };
                    break;
                case "--tun-port":
                    server = server with { TunnelPort = tokens.Number<ushort>("--tun-port") };
                    break;
                case "--tun-nocsum":
                    server = server with { TunnelFlags = TunnelFlags.NoChecksum };
                    break;
                case "--tun-csum":
                    server = server with { TunnelFlags = TunnelFlags.Checksum };
                    break;
                case "--tun-remcsum":
                    server = server with { TunnelFlags = TunnelFlags.RemoteChecksum };
                    break;
                default:
                    throw tokens.Error($"unknown real server option \"{option}\"");
            }
        }

        return hasAddress ? (tokens.Key(protocol, target, ipv6Mark), server) : throw tokens.Error("real server line without -r");
    }

    private static ServiceFlags SchedulerFlags(Tokens tokens, string names)
    {
        ServiceFlags flags = ServiceFlags.None;
        foreach (string name in names.Split(','))
        {
            flags |= IpvsVocabulary.TryParseSchedulerFlag(name, out ServiceFlags flag) ? flag
                : name == "flag-3" ? ServiceFlags.SchedulerFlag3
                : throw tokens.Error($"unknown scheduler flag \"{name}\"");
        }

        return flags;
    }

    /// <summary>The words of one line, with errors that name the line.</summary>
    private sealed class Tokens(string[] words, int lineNumber)
    {
        private int _next;

        public bool TryNext([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? word)
        {
            word = _next < words.Length ? words[_next++] : null;
            return word is not null;
        }

        public string Next(string what) => TryNext(out string? word) ? word : throw Error($"expected {what}");

        public T Number<T>(string option) where T : System.Numerics.INumberBase<T>
        {
            string word = Next($"a number after {option}");
            return T.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out T? value) ? value! : throw Error($"\"{word}\" after {option} is not a number");
        }

        public (IpvsProtocol, string) ServiceSpec()
        {
            string kind = Next("-t, -u, --sctp-service or -f");
            IpvsProtocol protocol = kind switch
            {
                "-t" => IpvsProtocol.Tcp,
                "-u" => IpvsProtocol.Udp,
                "--sctp-service" => IpvsProtocol.Sctp,
                "-f" => IpvsProtocol.None,
                _ => throw Error($"expected -t, -u, --sctp-service or -f, got \"{kind}\""),
            };
            return (protocol, Next($"a service after {kind}"));
        }

        public VirtualServiceKey Key(IpvsProtocol protocol, string target, bool ipv6Mark)
        {
            if (protocol == IpvsProtocol.None)
            {
                return uint.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out uint mark) && mark != 0
                    ? VirtualServiceKey.ForFirewallMark(ipv6Mark ? IpFamily.V6 : IpFamily.V4, mark)
                    : throw Error($"\"{target}\" is not a firewall mark");
            }

            return KeyText.TryParseEndpoint(target, out NetAddress address, out ushort? port) && port is not null
                ? VirtualServiceKey.ForAddress(protocol, address, port.Value)
                : throw Error($"\"{target}\" is not a virtual service address:port");
        }

        public FormatException Error(string problem) => new($"ipvsadm -Sn line {lineNumber}: {problem}: {string.Join(' ', words)}");
    }
}
