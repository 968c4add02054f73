using System.Globalization;
using System.Net;
using Ipvs.Core.Model;

namespace Ipvs.Integration.Tests.Support;

/// <summary>A real server as <c>ipvsadm -Sn</c> lists it, with the service it belongs to.</summary>
internal readonly record struct IpvsadmRealServer(VirtualServiceKey Service, RealServer Server);

/// <summary>
/// The output of <c>ipvsadm -Sn</c> parsed into the project's model, so that what the kernel reports through
/// ipvsadm can be compared with what we wrote and what our own reads return.
/// </summary>
/// <remarks>
/// ipvsadm prints "-g" for both direct routing and local-node servers, so those two compare as one; and its save
/// format leaves out thresholds, which <see cref="WithThresholds"/> fills in from <c>ipvsadm -Ln --thresholds</c>.
/// </remarks>
internal sealed record IpvsadmTable(IReadOnlyList<VirtualService> Services, IReadOnlyList<IpvsadmRealServer> RealServers)
{
    public static IpvsadmTable Parse(string save)
    {
        List<VirtualService> services = [];
        List<IpvsadmRealServer> servers = [];
        foreach (string line in save.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "-A":
                    services.Add(ParseService(words, line));
                    break;
                case "-a":
                    servers.Add(ParseRealServer(words, line));
                    break;
                default:
                    throw new FormatException($"Unexpected ipvsadm -S line: {line}");
            }
        }

        return new IpvsadmTable(services, servers);
    }

    /// <summary>
    /// This table with each real server's thresholds taken from <c>ipvsadm -Ln --thresholds</c>, whose rows are
    /// <c>  -&gt; ADDR:PORT  UTHRESH LTHRESH ACTIVE INACTIVE</c> under their service's row.
    /// </summary>
    public IpvsadmTable WithThresholds(string thresholdListing)
    {
        Dictionary<(string Service, RealServerKey Server), (uint Upper, uint Lower)> thresholds = [];
        string? service = null;
        foreach (string line in thresholdListing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["TCP" or "UDP" or "SCTP" or "FWM", ..])
            {
                service = words[0] == "FWM" ? $"FWM {words[1]}" : $"{words[0]} {words[1]}";
            }
            else if (words is ["->", var endpoint, var upper, var lower, ..] && service is not null && char.IsAsciiDigit(upper[0]))
            {
                (NetAddress address, ushort port) = ParseEndpoint(endpoint);
                thresholds[(service, new RealServerKey(address, port))] =
                    (uint.Parse(upper, CultureInfo.InvariantCulture), uint.Parse(lower, CultureInfo.InvariantCulture));
            }
        }

        return this with
        {
            RealServers = [.. RealServers.Select(entry => thresholds.TryGetValue((ListingName(entry.Service), entry.Server.Key), out var limits)
                ? entry with { Server = entry.Server with { UpperThreshold = limits.Upper, LowerThreshold = limits.Lower } }
                : entry)],
        };
    }

    public VirtualService? FindService(VirtualServiceKey key) =>
        Services.Where(service => service.Key == key).Select(service => (VirtualService?)service).FirstOrDefault();

    public IEnumerable<RealServer> RealServersOf(VirtualServiceKey key) =>
        RealServers.Where(server => server.Service == key).Select(server => server.Server);

    /// <summary>What ipvsadm can show of <paramref name="server"/>: local-node is printed as direct routing.</summary>
    public static RealServer AsIpvsadmShowsIt(RealServer server) =>
        server.Method == ForwardingMethod.Local ? server with { Method = ForwardingMethod.Route } : server;

    private static VirtualService ParseService(string[] words, string line)
    {
        VirtualServiceKey key = ParseServiceKey(words, line);
        string scheduler = Value(words, "-s") ?? throw new FormatException($"No scheduler in: {line}");
        ServiceFlags flags = ServiceFlags.None;
        uint timeout = 0;
        if (Value(words, "-p") is string persistence)
        {
            flags |= ServiceFlags.Persistent;
            timeout = uint.Parse(persistence, CultureInfo.InvariantCulture);
        }

        if (words.Contains("-o"))
        {
            flags |= ServiceFlags.OnePacket;
        }

        foreach (string flag in (Value(words, "-b") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            flags |= flag switch
            {
                "sh-fallback" or "mh-fallback" or "flag-1" => ServiceFlags.ShFallback,
                "sh-port" or "mh-port" or "flag-2" => ServiceFlags.ShPort,
                "flag-3" => ServiceFlags.SchedulerFlag3,
                _ => throw new FormatException($"Unknown scheduler flag '{flag}' in: {line}"),
            };
        }

        byte prefix = VirtualService.FullPrefix(key.Family);
        if (Value(words, "-M") is string mask)
        {
            prefix = key.Family == IpFamily.V6
                ? byte.Parse(mask, CultureInfo.InvariantCulture)
                : (byte)System.Numerics.BitOperations.PopCount(BitConverter.ToUInt32(IPAddress.Parse(mask).GetAddressBytes()));
        }

        return new VirtualService(key, scheduler, flags, timeout, prefix, Value(words, "--pe"));
    }

    private static IpvsadmRealServer ParseRealServer(string[] words, string line)
    {
        VirtualServiceKey service = ParseServiceKey(words, line);
        (NetAddress address, ushort port) = ParseEndpoint(Value(words, "-r") ?? throw new FormatException($"No -r in: {line}"));
        ForwardingMethod method = words.Contains("-m") ? ForwardingMethod.Masquerade
            : words.Contains("-i") ? ForwardingMethod.Tunnel
            : words.Contains("-g") ? ForwardingMethod.Route
            : throw new FormatException($"No forwarding method in: {line}");
        TunnelType tunnelType = Value(words, "--tun-type") switch
        {
            null or "ipip" => TunnelType.IpIp,
            "gue" => TunnelType.Gue,
            "gre" => TunnelType.Gre,
            string other => throw new FormatException($"Unknown tunnel type '{other}' in: {line}"),
        };
        TunnelFlags tunnelFlags = words.Contains("--tun-csum") ? TunnelFlags.Checksum
            : words.Contains("--tun-remcsum") ? TunnelFlags.RemoteChecksum
            : TunnelFlags.NoChecksum;
        return new IpvsadmRealServer(
            service,
            new RealServer(
                address,
                port,
                method,
                int.Parse(Value(words, "-w") ?? "1", CultureInfo.InvariantCulture),
                uint.Parse(Value(words, "-x") ?? "0", CultureInfo.InvariantCulture),
                uint.Parse(Value(words, "-y") ?? "0", CultureInfo.InvariantCulture),
                tunnelType,
                ushort.Parse(Value(words, "--tun-port") ?? "0", CultureInfo.InvariantCulture),
                tunnelFlags));
    }

    private static VirtualServiceKey ParseServiceKey(string[] words, string line)
    {
        if (Value(words, "-f") is string mark)
        {
            return VirtualServiceKey.ForFirewallMark(words.Contains("-6") ? IpFamily.V6 : IpFamily.V4, uint.Parse(mark, CultureInfo.InvariantCulture));
        }

        (IpvsProtocol protocol, string endpoint) = Value(words, "-t") is string tcp ? (IpvsProtocol.Tcp, tcp)
            : Value(words, "-u") is string udp ? (IpvsProtocol.Udp, udp)
            : Value(words, "--sctp-service") is string sctp ? (IpvsProtocol.Sctp, sctp)
            : throw new FormatException($"No service in: {line}");
        (NetAddress address, ushort port) = ParseEndpoint(endpoint);
        return VirtualServiceKey.ForAddress(protocol, address, port);
    }

    private static (NetAddress Address, ushort Port) ParseEndpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return (NetAddress.Parse(endpoint[..colon]), ushort.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>How <c>ipvsadm -Ln</c> names a service: <c>TCP 10.0.0.1:80</c>, <c>UDP [fd00::1]:53</c>, <c>FWM 7</c>.</summary>
    private static string ListingName(VirtualServiceKey key) =>
        key.IsFirewallMark ? $"FWM {key.FirewallMark}" : $"{VirtualServiceKey.ProtocolName(key.Protocol)} {key.Address.ToEndpointHost()}:{key.Port}";

    private static string? Value(string[] words, string option)
    {
        int index = Array.IndexOf(words, option);
        return index >= 0 && index + 1 < words.Length ? words[index + 1] : null;
    }
}
