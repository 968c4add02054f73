using System.Collections;
using System.Globalization;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Timing;
using Ipvs.Netlink.Ipvs;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace Ipvs.Agent.Configuration;

/// <summary>A value given on the command line: its configuration key, its text and the flag that carried it.</summary>
internal readonly record struct FlagValue(string Key, string Value, string Flag);

/// <summary>
/// Layers the YAML file, <c>IPVS_AGENT_*</c> variables and flags (each later one wins, lists replaced whole) with
/// Microsoft.Extensions.Configuration, then validates everything at once into <see cref="AgentOptions"/>.
/// </summary>
internal static class AgentConfiguration
{
    /// <param name="configFile">The <c>--config</c> flag, or null for IPVS_AGENT_CONFIG or the default path (which may be absent).</param>
    /// <param name="environment">The process environment.</param>
    /// <param name="flags">Values given as flags.</param>
    /// <exception cref="ConfigurationException">Listing every problem, each naming its origin.</exception>
    public static AgentOptions Load(string? configFile, IDictionary environment, IEnumerable<FlagValue> flags)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(flags);
        var problems = new List<string>();
        string? variableFile = environment[ConfigurationKeys.ConfigFileVariable] as string;
        string path = configFile ?? (string.IsNullOrEmpty(variableFile) ? AgentOptions.DefaultConfigFile : variableFile);
        bool mustExist = configFile is not null || !string.IsNullOrEmpty(variableFile);

        LayerProvider fileLayer = new();
        string? readFrom = null;
        // Path.Exists, so that a directory or a device is reported for what it is rather than as missing.
        if (Path.Exists(path))
        {
            try
            {
                fileLayer = YamlConfigurationFile.Read(path, InputFile.ReadAllText(path, InputFile.ConfigLimit), problems);
                readFrom = Path.GetFullPath(path);
            }
            catch (Exception exception) when (exception is FormatException or IOException)
            {
                problems.Add(exception.Message);
            }
        }
        else if (mustExist)
        {
            problems.Add($"{path}: config file not found");
        }

        LayerProvider environmentLayer = ReadEnvironment(environment);
        var flagLayer = new LayerProvider();
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (FlagValue flag in flags)
        {
            if (ConfigurationKeys.Lists.Contains(flag.Key))
            {
                // A repeated list flag accumulates; together they replace the lower layers' list.
                if (!lists.TryGetValue(flag.Key, out List<string>? values))
                {
                    lists[flag.Key] = values = [];
                }

                values.Add(flag.Value);
                flagLayer.Set(flag.Key, string.Join(',', values), flag.Flag);
            }
            else
            {
                flagLayer.Set(flag.Key, flag.Value, flag.Flag);
            }
        }

        IConfigurationRoot root = new ConfigurationBuilder().Add(fileLayer).Add(environmentLayer).Add(flagLayer).Build();
        var reader = new OptionsReader(root, [flagLayer, environmentLayer, fileLayer], problems);
        AgentOptions options = reader.Read(readFrom);
        options = DockerConnections.Resolve(options, reader.DockerTlsKeys(), environment, problems);
        return problems.Count == 0 ? options : throw new ConfigurationException(problems);
    }

    private static LayerProvider ReadEnvironment(IDictionary environment)
    {
        var layer = new LayerProvider();
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || entry.Value is not string value
                || !name.StartsWith(ConfigurationKeys.EnvironmentPrefix, StringComparison.Ordinal) || name == ConfigurationKeys.ConfigFileVariable)
            {
                continue;
            }

            // Unknown IPVS_AGENT_* names are left alone: wrappers and test harnesses use the prefix for their own settings.
            if (ConfigurationKeys.Find(name[ConfigurationKeys.EnvironmentPrefix.Length..]) is not { } key)
            {
                continue;
            }

            layer.Set(key, value, name);
        }

        return layer;
    }

    /// <summary>The longest IPVS timeout accepted: within INT_MAX jiffies at HZ=1000, the kernel's bound on any build.</summary>
    public static readonly TimeSpan IpvsTimeoutMaximum = TimeSpan.FromDays(24);

    /// <summary>Reads each key from the merged configuration; a bad value is reported with the layer it came from.</summary>
    private sealed class OptionsReader(IConfiguration configuration, LayerProvider[] layersHighestFirst, List<string> problems)
    {
        /// <summary>The TLS keys as given (with where each came from), for <see cref="DockerConnections"/>.</summary>
        public DockerTlsKeys DockerTlsKeys() => new(
            Given(ConfigurationKeys.DockerTlsCertPath), Given(ConfigurationKeys.DockerTlsCa), Given(ConfigurationKeys.DockerTlsCert), Given(ConfigurationKeys.DockerTlsKey),
            Given(ConfigurationKeys.SwarmManagerTlsCertPath), Given(ConfigurationKeys.SwarmManagerTlsCa), Given(ConfigurationKeys.SwarmManagerTlsCert), Given(ConfigurationKeys.SwarmManagerTlsKey),
            Boolean(ConfigurationKeys.DockerAllowInsecureTcp) ?? false);

        private GivenValue? Given(string key) => Text(key) is { } value ? new GivenValue(value, Origin(key)) : null;

        public AgentOptions Read(string? configFile)
        {
            var defaults = new AgentOptions();
            return new AgentOptions
            {
                ConfigFile = configFile,
                DockerHost = Endpoint(ConfigurationKeys.DockerHost),
                ServicesFile = Text(ConfigurationKeys.ServicesFile),
                DockerEnabled = Boolean(ConfigurationKeys.Docker) ?? defaults.DockerEnabled,
                AllowedVipCidrs = List(ConfigurationKeys.AllowedVipCidrs, "an address block such as 10.99.0.0/24 or fd00::/64", ParseBlock),
                AllowedFwmarks = List(ConfigurationKeys.AllowedFwmarks, "a firewall-mark range such as 1-1000 or 7", ParseMarks),
                ResyncInterval = Duration(ConfigurationKeys.ResyncInterval, defaults.ResyncInterval, TimeSpan.FromMilliseconds(100)),
                MinInterval = Duration(ConfigurationKeys.MinInterval, defaults.MinInterval, TimeSpan.Zero),
                DrainTimeout = Duration(ConfigurationKeys.DrainTimeout, defaults.DrainTimeout, TimeSpan.Zero),
                Interface = InterfaceName(),
                MetricsAddress = Metrics(),
                LogLevel = Level(),
                LogFormat = Format(),
                StateDir = Text(ConfigurationKeys.StateDir) ?? defaults.StateDir,
                NodeAddress = Address(ConfigurationKeys.NodeAddress),
                SwarmManager = Endpoint(ConfigurationKeys.SwarmManager),
                DnsAddress = DnsEndpoint(),
                DnsDomain = DnsDomain(),
                DnsTtl = Duration(ConfigurationKeys.DnsTtl, defaults.DnsTtl, TimeSpan.Zero),
                DnsUpstreams = DnsUpstreams(),
                IpvsTimeouts = new IpvsTimeouts(IpvsTimeout(ConfigurationKeys.IpvsTcpTimeout), IpvsTimeout(ConfigurationKeys.IpvsTcpFinTimeout), IpvsTimeout(ConfigurationKeys.IpvsUdpTimeout)),
                HealthCheckConcurrency = Count(ConfigurationKeys.HealthCheckConcurrency, defaults.HealthCheckConcurrency, 1, AgentOptions.MaximumHealthCheckConcurrency),
                SourceNat = SourceNat(),
            };
        }

        private string Origin(string key) =>
            layersHighestFirst.Select(layer => layer.OriginOf(key)).FirstOrDefault(origin => origin is not null) ?? key;

        private void Fail(string key, string problem) => problems.Add($"{Origin(key)}: {problem}");

        private string? Text(string key) => configuration[key] is { Length: > 0 } value ? value.Trim() : null;

        /// <summary>A Docker endpoint URI (unix://, tcp://, http(s)://), checked now rather than when the daemon first connects.</summary>
        private string? Endpoint(string key)
        {
            string? value = Text(key);
            if (value is not null && !(Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "unix" or "tcp" or "http" or "https"))
            {
                Fail(key, $"\"{value}\" is not a unix://, tcp:// or http(s):// URI");
                return null;
            }

            return value;
        }

        private bool? Boolean(string key)
        {
            string? value = Text(key);
            if (value is null)
            {
                return null;
            }

            switch (value.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1":
                    return true;
                case "false" or "no" or "off" or "0":
                    return false;
                default:
                    Fail(key, $"\"{value}\" is not true or false");
                    return null;
            }
        }

        private TimeSpan Duration(string key, TimeSpan fallback, TimeSpan minimum)
        {
            string? value = Text(key);
            if (value is null)
            {
                return fallback;
            }

            if (!DurationText.TryParseMilliseconds(value, out double milliseconds))
            {
                Fail(key, $"\"{value}\" is not a duration like 10s or 1m");
                return fallback;
            }

            if (milliseconds > DurationText.Maximum.TotalMilliseconds)
            {
                Fail(key, $"\"{value}\" is longer than the maximum {DurationText.Format(DurationText.Maximum)} (49 days)");
                return fallback;
            }

            TimeSpan duration = TimeSpan.FromMilliseconds(milliseconds);
            if (duration < minimum)
            {
                Fail(key, $"\"{value}\" is shorter than the minimum {DurationText.Format(minimum)}");
                return fallback;
            }

            return duration;
        }

        /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
        private int Count(string key, int fallback, int minimum, int maximum)
        {
            string? value = Text(key);
            if (value is null)
            {
                return fallback;
            }

            if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int count) || count < minimum || count > maximum)
            {
                Fail(key, $"\"{value}\" is not a whole number from {minimum} to {maximum}");
                return fallback;
            }

            return count;
        }

        /// <summary>
        /// An IPVS timeout in whole seconds, or 0 when not given (which the kernel reads as "leave it"): so a given 0
        /// is refused rather than silently doing nothing.
        /// </summary>
        private uint IpvsTimeout(string key)
        {
            string? value = Text(key);
            if (value is null)
            {
                return 0;
            }

            if (value.StartsWith('-'))
            {
                Fail(key, $"\"{value}\" is negative; give a timeout from 1s to {DurationText.Format(IpvsTimeoutMaximum)}");
                return 0;
            }

            if (!DurationText.TryParseMilliseconds(value, out double milliseconds))
            {
                Fail(key, $"\"{value}\" is not a duration like 900s or 2h");
                return 0;
            }

            if (milliseconds < 1_000)
            {
                Fail(key, $"\"{value}\" is shorter than 1s (the kernel reads 0 as \"leave unchanged\": leave the key out for that)");
                return 0;
            }

            if (milliseconds > IpvsTimeoutMaximum.TotalMilliseconds)
            {
                Fail(key, $"\"{value}\" is longer than the maximum {DurationText.Format(IpvsTimeoutMaximum)} (the kernel refuses more than INT_MAX/HZ seconds, 24.8 days at HZ=1000)");
                return 0;
            }

            if (milliseconds % 1_000 != 0)
            {
                Fail(key, $"\"{value}\" is not a whole number of seconds (IPVS keeps timeouts in seconds)");
                return 0;
            }

            return (uint)(milliseconds / 1_000);
        }

        private List<T> List<T>(string key, string expected, Func<string, T?> parse)
            where T : struct
        {
            var items = new List<T>();
            foreach (string item in (Text(key) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (parse(item) is { } parsed)
                {
                    items.Add(parsed);
                }
                else
                {
                    Fail(key, $"\"{item}\" is not {expected}");
                }
            }

            return items;
        }

        private static AddressBlock? ParseBlock(string text)
        {
            try
            {
                return AddressBlock.Parse(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        private static FirewallMarkRange? ParseMarks(string text)
        {
            string[] parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
            return uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint first) && first > 0
                && (parts.Length == 1 ? first : uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint parsed) ? parsed : 0) is var last
                && last >= first
                ? new FirewallMarkRange(first, last)
                : null;
        }

        private string InterfaceName()
        {
            string name = Text(ConfigurationKeys.Interface) ?? "ipvs0";
            if (name.Length is 0 or > 15 || name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                Fail(ConfigurationKeys.Interface, $"\"{name}\" is not a Linux interface name (1-15 characters, not . or .., no '/', ':' or spaces)");
            }
            else if (name == "lo")
            {
                // The agent adds and removes VIPs on this interface: loopback's own addresses are not its to manage.
                Fail(ConfigurationKeys.Interface, "\"lo\" is the loopback interface; give the agent a dummy interface of its own, such as ipvs0");
            }

            return name;
        }

        private string? Metrics()
        {
            string? value = Text(ConfigurationKeys.MetricsAddress);
            if (value is null)
            {
                return AgentOptions.DefaultMetricsAddress;
            }

            if (value is "off" or "none" or "false")
            {
                return null;
            }

            // An IPv6 address takes brackets: in ::1:9469 the port cannot be told from the address.
            if (!KeyText.TryParseEndpoint(value, out NetAddress address, out ushort? port) || port is null or 0)
            {
                Fail(ConfigurationKeys.MetricsAddress, $"\"{value}\" is not an address:port such as 127.0.0.1:9469 or [::1]:9469 (IPv6 in brackets), or off");
                return AgentOptions.DefaultMetricsAddress;
            }

            return new RealServerKey(address, port.Value).ToString();
        }

        private LogEventLevel Level()
        {
            string? value = Text(ConfigurationKeys.LogLevel);
            if (value is null)
            {
                return LogEventLevel.Information;
            }

            LogEventLevel? level = value.ToLowerInvariant() switch
            {
                "verbose" or "trace" => LogEventLevel.Verbose,
                "debug" => LogEventLevel.Debug,
                "information" or "info" => LogEventLevel.Information,
                "warning" or "warn" => LogEventLevel.Warning,
                "error" => LogEventLevel.Error,
                "fatal" => LogEventLevel.Fatal,
                _ => null,
            };
            if (level is null)
            {
                Fail(ConfigurationKeys.LogLevel, $"\"{value}\" is not one of debug, info, warning, error");
            }

            return level ?? LogEventLevel.Information;
        }

        private SourceNatMode SourceNat()
        {
            string? value = Text(ConfigurationKeys.SourceNat);
            switch (value?.ToLowerInvariant())
            {
                case null or "auto":
                    return SourceNatMode.Auto;
                case "all":
                    return SourceNatMode.All;
                case "off":
                    return SourceNatMode.Off;
                default:
                    Fail(ConfigurationKeys.SourceNat, $"\"{value}\" is not auto, all or off");
                    return SourceNatMode.Auto;
            }
        }

        private LogFormat Format()
        {
            string? value = Text(ConfigurationKeys.LogFormat);
            switch (value?.ToLowerInvariant())
            {
                case null or "text":
                    return LogFormat.Text;
                case "json":
                    return LogFormat.Json;
                default:
                    Fail(ConfigurationKeys.LogFormat, $"\"{value}\" is not text or json");
                    return LogFormat.Text;
            }
        }

        /// <summary><c>dnsAddress</c>: <c>off</c> (the default), or an address with an optional port (53).</summary>
        private System.Net.IPEndPoint? DnsEndpoint()
        {
            string? value = Text(ConfigurationKeys.DnsAddress);
            if (value is null or "off" or "none" or "false")
            {
                return null;
            }

            if (DnsEndpointText.TryParse(value) is { } endpoint)
            {
                return endpoint;
            }

            Fail(ConfigurationKeys.DnsAddress, $"\"{value}\" is not an address with an optional port such as 127.0.0.1:53, [fd00::1]:53 or 10.99.0.1 (or off)");
            return null;
        }

        private string DnsDomain()
        {
            string? value = Text(ConfigurationKeys.DnsDomain);
            try
            {
                return value is null ? AgentOptions.DefaultDnsDomain : Dns.Zone.ServiceNameZone.Normalize(value);
            }
            catch (ArgumentException)
            {
                Fail(ConfigurationKeys.DnsDomain, $"\"{value}\" is not a domain name such as ipvs.internal (labels of 1-63 ASCII characters)");
                return AgentOptions.DefaultDnsDomain;
            }
        }

        /// <summary><c>dnsUpstreams</c>: unset for /etc/resolv.conf's resolvers; an empty list (<c>[]</c>, <c>none</c>) for none.</summary>
        private List<System.Net.IPEndPoint>? DnsUpstreams()
        {
            if (configuration[ConfigurationKeys.DnsUpstreams] is not { } raw)
            {
                return null;
            }

            var upstreams = new List<System.Net.IPEndPoint>();
            foreach (string item in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (item is "none" or "off")
                {
                    continue;
                }

                if (DnsEndpointText.TryParse(item) is { } endpoint)
                {
                    upstreams.Add(endpoint);
                }
                else
                {
                    Fail(ConfigurationKeys.DnsUpstreams, $"\"{item}\" is not a resolver address with an optional port such as 192.0.2.53 or [fd00::53]:5353");
                }
            }

            return upstreams;
        }

        private NetAddress? Address(string key)
        {
            string? value = Text(key);
            if (value is null)
            {
                return null;
            }

            if (NetAddress.TryParse(value, out NetAddress address))
            {
                return address;
            }

            Fail(key, $"\"{value}\" is not an IPv4 or IPv6 address");
            return null;
        }
    }
}
