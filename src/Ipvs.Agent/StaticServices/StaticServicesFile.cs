using System.Globalization;
using Ipvs.Agent.Configuration;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Ipvs.Agent.StaticServices;

/// <summary>The outcome of reading a static services file: declarations only when there are no errors at all.</summary>
public sealed record StaticServicesResult(IReadOnlyList<ServiceDeclaration> Declarations, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Reads the static services YAML file. The whole file is validated before anything is used, and every error is
/// reported as <c>file:line: path.to.field: problem, got "value"</c>. Unknown keys are errors, so typos never pass.
/// </summary>
/// <remarks>
/// Defaults: <c>protocol: tcp</c>, <c>scheduler: wlc</c>, <c>persistence: 0</c>, per server <c>weight: 1</c> and
/// <c>method: nat</c>. A real server's port may be omitted: NAT then uses the service's port, and direct routing,
/// tunnelling and local delivery, which never change the port, take the service's port (0 for firewall marks) and
/// refuse any other. A service's <c>check:</c> (shorthand such as <c>http:/healthz</c>, or a mapping of
/// <see cref="HealthCheckParser.Options"/>) checks each of its servers, unless a server's own <c>check:</c> replaces
/// it (<c>off</c>: not checked); <c>fallback:</c> is a server entry without a check.
/// </remarks>
public static partial class StaticServicesFile
{
    private const string FallbackKey = "fallback";
    private static readonly string[] ServiceKeys = ["name", "vip", "port", "protocol", "fwmark", "family", "scheduler", "persistence", "netmask", "pe", "flags", "servers", HealthCheckParser.DeclarationKey, FallbackKey];

    /// <summary>A fallback's keys: a server's, but no check (it serves exactly while the checked servers do not).</summary>
    private static readonly string[] FallbackKeys = ["address", "weight", "method", "upper-threshold", "lower-threshold", "tunnel-type", "tunnel-port", "tunnel-checksum"];
    private static readonly string[] ServerKeys = [.. FallbackKeys, HealthCheckParser.DeclarationKey];

    /// <summary>Reads and validates the file; one that is not a regular file, too large or not UTF-8 is an error result too.</summary>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static StaticServicesResult Load(string path)
    {
        try
        {
            // Decoded as it is parsed, a block at a time: a 10k-service file is 8 MB of UTF-8, 16 MB more as one string.
            return Parse(path, () => InputFile.OpenUtf8(path, InputFile.ServicesLimit), () => InputFile.ReadAllText(path, InputFile.ServicesLimit));
        }
        catch (FormatException exception)
        {
            // Not a regular file, too large, or not UTF-8 (found at the open, or partway through the parse).
            return new StaticServicesResult([], [exception.Message]);
        }
    }

    public static StaticServicesResult Parse(string fileName, string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return Parse(fileName, () => new StringReader(yaml), () => yaml);
    }

    /// <param name="fileName">The file's name, for the errors.</param>
    /// <param name="open">A reader of the text from its start; called again for a file not of the usual shape.</param>
    /// <param name="text">The whole text, only to hint at a syntax error (<see cref="BracketHint"/>).</param>
    private static StaticServicesResult Parse(string fileName, Func<TextReader> open, Func<string> text)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var reader = new FileReader(fileName);
        List<ServiceDeclaration>? declarations;
        try
        {
            using (TextReader streamed = open())
            {
                declarations = Stream(reader, streamed);
            }

            if (declarations is null)
            {
                reader = new FileReader(fileName);
                using TextReader whole = open();
                YamlStream stream = GuardedYamlParser.Load(whole);
                declarations = stream.Documents.Count == 0
                    ? reader.Fail<List<ServiceDeclaration>>(1, "file", "is empty; expected a 'services:' list", [])
                    : reader.ReadFile(YamlValue.From(stream.Documents[0].RootNode));
            }
        }
        catch (YamlException exception)
        {
            return new StaticServicesResult([], [$"{fileName}:{exception.Start.Line}: {exception.Message}{BracketHint(text(), exception.Start.Line)}"]);
        }

        return reader.Errors.Count == 0
            ? new StaticServicesResult(declarations, [])
            : new StaticServicesResult([], reader.Errors);
    }

    /// <summary>
    /// Reads a file of the usual shape, <c>services:</c> as the one key of the root mapping, one service at a time:
    /// each entry is read from the parser's events as a <see cref="YamlValue"/> of its own and dropped, so memory holds
    /// one service's values, not the whole file's (the representation model of a 1k x 10 file is about 40 MB, all live
    /// at once). Null for any other shape and for a file with aliases (one may name an anchor in another entry): the
    /// caller then loads the whole document, whose reading reports every error of those shapes.
    /// </summary>
    private static List<ServiceDeclaration>? Stream(FileReader reader, TextReader yaml) => GuardedYamlParser.Read(yaml, parser =>
    {
        parser.MoveNext();
        if (!parser.TryConsume<StreamStart>(out _) || !parser.TryConsume<DocumentStart>(out _)
            || !parser.TryConsume<MappingStart>(out _)
            || parser.Current is not Scalar { Value: "services" } || !parser.MoveNext()
            || !parser.TryConsume<SequenceStart>(out _))
        {
            return null;
        }

        int index = 0;
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            // An alias may name an anchor of another entry, which a value read on its own cannot resolve.
            if (YamlValue.Read(parser) is not { } value || parser.Aliases > 0)
            {
                return null;
            }

            reader.AddService(value, $"services[{index++}]");
        }

        return parser.TryConsume<MappingEnd>(out _) && parser.TryConsume<DocumentEnd>(out _) && parser.Accept<StreamEnd>(out _)
            ? reader.Declarations
            : null;
    });

    /// <summary>An unquoted <c>[fd00::2]:8080</c> is a YAML list followed by junk; say so rather than leave only the YAML parser's words.</summary>
    private static string BracketHint(string yaml, long line)
    {
        string[] lines = yaml.Split('\n');
        for (long number = Math.Max(1, line - 1); number <= Math.Min(line, lines.Length); number++)
        {
            if (BracketedEndpoint().IsMatch(lines[number - 1]))
            {
                return $" (line {number}: quote bracketed IPv6 addresses, e.g. address: \"[fd00::2]:8080\")";
            }
        }

        return string.Empty;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@":\s*\[[0-9A-Fa-f:.]+\]:\d")]
    private static partial System.Text.RegularExpressions.Regex BracketedEndpoint();

    private sealed class FileReader(string fileName)
    {
        public List<string> Errors { get; } = [];

        /// <summary>The services read so far, in the file's order.</summary>
        public List<ServiceDeclaration> Declarations { get; } = [];

        private readonly Dictionary<VirtualServiceKey, string> _keys = [];

        /// <summary>
        /// One name may cover several services (ports, protocols, both families: that is what its DNS name answers),
        /// but not two VIPs of one family or a firewall mark next to anything.
        /// </summary>
        private readonly Dictionary<(string Name, IpFamily Family), (VirtualServiceKey Key, string Path)> _names = [];

        /// <summary>
        /// Where a value sits ("services[3].servers[0].weight"), joined into one string only when an error names it:
        /// most values read are valid, and a 10k-service file has 100k of them.
        /// </summary>
        private readonly struct FieldPath(string parent, string? key = null)
        {
            public static implicit operator FieldPath(string path) => new(path);

            public override string ToString() => key is null ? parent : parent.Length == 0 ? key : $"{parent}.{key}";
        }

        public void Report(long line, string path, string problem) => Errors.Add($"{fileName}:{line}: {path}: {problem}");

        /// <summary>Reports and returns <paramref name="fallback"/>, so a field read can go on to find further errors.</summary>
        public T Fail<T>(long line, string path, string problem, T fallback)
        {
            Report(line, path, problem);
            return fallback;
        }

        public List<ServiceDeclaration> ReadFile(YamlValue root)
        {
            if (root is not YamlMap mapping)
            {
                return Fail(root.Line, "file", $"must be a mapping with a 'services:' list, got {Describe(root)}", Declarations);
            }

            Dictionary<string, YamlValue> fields = Fields(mapping, string.Empty, ["services"]);
            if (!fields.TryGetValue("services", out YamlValue? servicesNode))
            {
                return Fail(root.Line, "services", "is missing", Declarations);
            }

            if (servicesNode is not YamlList services)
            {
                return Fail(servicesNode.Line, "services", $"must be a list, got {Describe(servicesNode)}", Declarations);
            }

            for (int i = 0; i < services.Items.Count; i++)
            {
                AddService(services.Items[i], $"services[{i}]");
            }

            return Declarations;
        }

        /// <summary>Reads one entry of the services list: the service, then its name and key against the entries before it.</summary>
        public void AddService(YamlValue node, string path)
        {
            if (ReadService(node, path) is not { } declaration)
            {
                return;
            }

            VirtualServiceKey key = declaration.Service.Key;
            if (_names.TryGetValue((declaration.Source.Name!, key.Family), out var named)
                ? named.Key.IsFirewallMark || key.IsFirewallMark || named.Key.Address != key.Address
                : !_names.TryAdd((declaration.Source.Name!, key.Family), (key, path)))
            {
                Report(node.Line, $"{path}.name", $"\"{declaration.Source.Name}\" is already the name of {_names[(declaration.Source.Name!, key.Family)].Path} ({_names[(declaration.Source.Name!, key.Family)].Key}); one name may only cover services on one VIP per family");
            }

            if (!_keys.TryAdd(declaration.Service.Key, path))
            {
                Report(node.Line, path, $"same service as {_keys[declaration.Service.Key]} ({declaration.Service.Key})");
                return;
            }

            Declarations.Add(declaration);
        }

        private ServiceDeclaration? ReadService(YamlValue node, string path)
        {
            if (node is not YamlMap mapping)
            {
                return Fail<ServiceDeclaration?>(node.Line, path, $"must be a mapping, got {Describe(node)}", null);
            }

            int errorsBefore = Errors.Count;
            Dictionary<string, YamlValue> fields = Fields(mapping, path, ServiceKeys);
            string? name = fields.TryGetValue("name", out YamlValue? nameNode)
                ? Text(nameNode, new(path, "name"), "must be a non-empty name")
                : Fail<string?>(mapping.Line, $"{path}.name", "is missing", null);

            VirtualServiceKey? key = ReadServiceKey(mapping, fields, path);
            IpFamily family = key?.Family ?? IpFamily.V4;

            string scheduler = fields.TryGetValue("scheduler", out YamlValue? schedulerNode)
                ? OneOf(schedulerNode, new(path, "scheduler"), IpvsVocabulary.Schedulers) ?? VirtualService.DefaultScheduler
                : VirtualService.DefaultScheduler;
            uint persistence = fields.TryGetValue("persistence", out YamlValue? persistenceNode)
                ? Number(persistenceNode, new(path, "persistence"), 0, uint.MaxValue, "seconds") is { } seconds ? (uint)seconds : 0
                : 0;
            byte fullPrefix = VirtualService.FullPrefix(family);
            byte netmask = fullPrefix;
            if (fields.TryGetValue("netmask", out YamlValue? netmaskNode))
            {
                netmask = (byte)(Number(netmaskNode, new(path, "netmask"), 1, fullPrefix, "prefix length") ?? fullPrefix);
                if (persistence == 0)
                {
                    Report(netmaskNode.Line, $"{path}.netmask", "only applies with persistence; set persistence too");
                }
            }

            string? persistenceEngine = fields.TryGetValue("pe", out YamlValue? peNode) ? OneOf(peNode, new(path, "pe"), ["sip"]) : null;
            ServiceFlags flags = persistence > 0 ? ServiceFlags.Persistent : ServiceFlags.None;
            if (fields.TryGetValue("flags", out YamlValue? flagsNode))
            {
                flags |= ReadFlags(flagsNode, $"{path}.flags", scheduler);
            }

            // Absent and off both leave the servers unchecked; a check that does not parse has been reported.
            HealthCheck? serviceCheck = fields.TryGetValue(HealthCheckParser.DeclarationKey, out YamlValue? checkNode)
                ? ReadCheck(checkNode, $"{path}.{HealthCheckParser.DeclarationKey}")
                : null;
            // Sized from the file: 10k services' lists grown through 4, 8 and 16 slots were megabytes more to collect.
            YamlValue? serversNode = fields.GetValueOrDefault("servers");
            var servers = new List<RealServer>(serversNode is YamlList { Items.Count: var count } ? count : 0);
            Dictionary<RealServerKey, HealthCheck?>? overrides = null;
            if (serversNode is not null)
            {
                if (serversNode is not YamlList serverList)
                {
                    Report(serversNode.Line, $"{path}.servers", $"must be a list, got {Describe(serversNode)}");
                }
                else
                {
                    var seen = new Dictionary<RealServerKey, string>(serverList.Items.Count);
                    for (int j = 0; j < serverList.Items.Count; j++)
                    {
                        string serverPath = $"{path}.servers[{j}]";
                        if (key is not { } serviceKey)
                        {
                            continue;
                        }

                        RealServer? read = ReadServer(serverList.Items[j], serverPath, serviceKey, ServerKeys, out YamlValue? serverCheckNode);
                        (string checkPath, YamlValue? declaredAt, HealthCheck? check) = (path, checkNode, serviceCheck);
                        if (serverCheckNode is not null)
                        {
                            (checkPath, declaredAt, check) = (serverPath, serverCheckNode, ReadCheck(serverCheckNode, $"{serverPath}.{HealthCheckParser.DeclarationKey}"));
                        }

                        if (read is { } server)
                        {
                            if (seen.TryAdd(server.Key, $"servers[{j}]"))
                            {
                                servers.Add(server);
                                if (serverCheckNode is not null)
                                {
                                    (overrides ??= [])[server.Key] = check;
                                }

                                if (check is not null && check.PortFor(server.Key) == 0)
                                {
                                    // A firewall-mark server without a port keeps each client's port: there is none of its own to check.
                                    Report(declaredAt!.Line, $"{checkPath}.{HealthCheckParser.DeclarationKey}",
                                        $"servers[{j}] ({server.Key}) has no port of its own (an fwmark service keeps the client's); give the check a port");
                                }
                            }
                            else
                            {
                                Report(serverList.Items[j].Line, $"{serverPath}.address", $"same real server as {seen[server.Key]} ({server.Key})");
                            }
                        }
                    }
                }
            }

            RealServer? fallback = fields.TryGetValue(FallbackKey, out YamlValue? fallbackNode) && key is { } fallbackService
                ? ReadFallback(fallbackNode, $"{path}.{FallbackKey}", fallbackService, servers)
                : null;
            if (Errors.Count > errorsBefore || key is null || name is null)
            {
                return null;
            }

            var service = new VirtualService(key.Value, scheduler, flags, persistence, netmask, persistenceEngine);
            return new ServiceDeclaration(DesiredSource.StaticFile(fileName, name), service, servers, name, serviceCheck, overrides, fallback);
        }

        /// <summary>
        /// A <c>check:</c> value: the shorthand (<c>tcp</c>, <c>http:/healthz</c>, <c>off</c>) or a mapping of the check's
        /// options with <c>type</c> required. Null for <c>off</c>, and for a check with errors (reported).
        /// </summary>
        private HealthCheck? ReadCheck(YamlValue node, string path)
        {
            string error;
            if (node is YamlText { Text: var shorthand })
            {
                return HealthCheckParser.TryParseShorthand(shorthand, out HealthCheck? check, out error)
                    ? check
                    : Fail<HealthCheck?>(node.Line, path, $"{error}, got \"{shorthand}\"", null);
            }

            if (node is not YamlMap mapping)
            {
                return Fail<HealthCheck?>(node.Line, path, $"must be tcp, http:/PATH, https:/PATH, {HealthCheckParser.Off} or a mapping of check options, got {Describe(node)}", null);
            }

            int errorsBefore = Errors.Count;
            Dictionary<string, YamlValue> fields = Fields(mapping, path, HealthCheckParser.Options);
            if (!fields.ContainsKey(HealthCheckParser.KindOption))
            {
                return Fail<HealthCheck?>(mapping.Line, $"{path}.{HealthCheckParser.KindOption}", $"is missing; expected {string.Join(", ", HealthCheckParser.KindNames)}", null);
            }

            HealthCheck result = HealthCheck.Of(HealthCheckKind.Tcp);
            // Options in the vocabulary's order, the kind first, so every report comes out in the same order.
            foreach (string option in HealthCheckParser.Options)
            {
                if (fields.TryGetValue(option, out YamlValue? valueNode)
                    && Scalar(valueNode, new(path, option), "must be a single value") is { } text
                    && !HealthCheckParser.TryApply(result, option, text, out result, out error))
                {
                    Report(valueNode.Line, $"{path}.{option}", $"{error}, got \"{text}\"");
                }
            }

            if (Errors.Count == errorsBefore && HealthCheckParser.Problem(result) is { } problem)
            {
                Report(mapping.Line, path, problem);
            }

            return Errors.Count == errorsBefore ? result : null;
        }

        /// <summary>The sorry server: a server entry that is none of the servers and of the VIP's own family.</summary>
        private RealServer? ReadFallback(YamlValue node, string path, VirtualServiceKey service, List<RealServer> servers)
        {
            if (ReadServer(node, path, service, FallbackKeys, out _) is not { } fallback)
            {
                return null;
            }

            int same = servers.FindIndex(server => server.Key == fallback.Key);
            if (same >= 0)
            {
                // It would be the server it stands in for: it could never stand in.
                return Fail<RealServer?>(node.Line, $"{path}.address", $"is the same real server as servers[{same}] ({fallback.Key}); a fallback serves only while no server does", null);
            }

            // ReadServer lets tunnelled servers mix families; a sorry server answering in another family is no stand-in.
            return fallback.Address.Family != service.Family && fallback.Method == ForwardingMethod.Tunnel
                ? Fail<RealServer?>(node.Line, $"{path}.address", $"is {FamilyName(fallback.Address.Family)} but the service is {FamilyName(service.Family)}; a fallback has the service's family", null)
                : fallback;
        }

        private VirtualServiceKey? ReadServiceKey(YamlMap mapping, Dictionary<string, YamlValue> fields, string path)
        {
            bool hasVip = fields.TryGetValue("vip", out YamlValue? vipNode);
            bool hasMark = fields.TryGetValue("fwmark", out YamlValue? markNode);
            if (hasVip == hasMark)
            {
                return Fail<VirtualServiceKey?>(mapping.Line, path, hasVip ? "has both vip and fwmark; use one" : "needs a vip (with port) or an fwmark", null);
            }

            if (hasMark)
            {
                foreach (string addressOnly in new[] { "port", "protocol" })
                {
                    if (fields.TryGetValue(addressOnly, out YamlValue? extra))
                    {
                        Report(extra.Line, $"{path}.{addressOnly}", "does not apply to an fwmark service (it matches any marked packet)");
                    }
                }

                IpFamily markFamily = IpFamily.V4;
                if (fields.TryGetValue("family", out YamlValue? familyNode))
                {
                    markFamily = OneOf(familyNode, new(path, "family"), ["ipv4", "ipv6"]) == "ipv6" ? IpFamily.V6 : IpFamily.V4;
                }

                return Number(markNode!, new(path, "fwmark"), 1, uint.MaxValue, null) is { } mark
                    ? VirtualServiceKey.ForFirewallMark(markFamily, (uint)mark)
                    : null;
            }

            if (fields.TryGetValue("family", out YamlValue? vipFamily))
            {
                Report(vipFamily.Line, $"{path}.family", "only applies to fwmark services; a vip's family is its own");
            }

            NetAddress? vip = null;

            // Unquoted, `vip: [fd00::10]` is a one-item YAML list; take it as the bracketed address it was meant to be.
            YamlValue vipValue = vipNode is YamlList { Items: [YamlText { Text: var inner } item] } && inner.Contains(':', StringComparison.Ordinal)
                ? item
                : vipNode!;
            if (Scalar(vipValue, new(path, "vip"), "must be an IPv4 or IPv6 address") is { } vipText)
            {
                vip = NetAddress.TryParse(vipText, out NetAddress parsed)
                    ? parsed
                    : Fail<NetAddress?>(vipNode!.Line, $"{path}.vip", $"must be an IPv4 or IPv6 address, got \"{vipText}\"", null);
            }

            long? port = fields.TryGetValue("port", out YamlValue? portNode)
                ? Number(portNode, new(path, "port"), 0, ushort.MaxValue, null)
                : Fail<long?>(mapping.Line, $"{path}.port", "is missing (a vip service needs a port)", null);
            string protocol = fields.TryGetValue("protocol", out YamlValue? protocolNode)
                ? OneOf(protocolNode, new(path, "protocol"), IpvsVocabulary.ProtocolNames) ?? "tcp"
                : "tcp";
            _ = IpvsVocabulary.TryParseProtocol(protocol, out IpvsProtocol ipvsProtocol);
            return vip is { } address && port is { } number ? VirtualServiceKey.ForAddress(ipvsProtocol, address, (ushort)number) : null;
        }

        private ServiceFlags ReadFlags(YamlValue node, string path, string scheduler)
        {
            if (node is not YamlList list)
            {
                return Fail(node.Line, path, $"must be a list such as [one-packet, sh-fallback], got {Describe(node)}", ServiceFlags.None);
            }

            ServiceFlags flags = ServiceFlags.None;
            for (int i = 0; i < list.Items.Count; i++)
            {
                string itemPath = $"{path}[{i}]";
                string? flag = OneOf(list.Items[i], itemPath, IpvsVocabulary.FlagNames);
                if (flag is null || !IpvsVocabulary.TryParseFlag(flag, out ServiceFlags bit, out string? needed))
                {
                    continue;
                }

                if (needed is not null && scheduler != needed)
                {
                    Report(list.Items[i].Line, itemPath, $"{flag} only applies with scheduler {needed}, not {scheduler}");
                }

                flags |= bit;
            }

            return flags;
        }

        /// <summary>A server entry (or a fallback, whose <paramref name="allowed"/> keys have no check).</summary>
        /// <param name="node">The entry.</param>
        /// <param name="path">Where it is, for errors.</param>
        /// <param name="service">The service it serves.</param>
        /// <param name="allowed">Its keys.</param>
        /// <param name="checkNode">The entry's <c>check:</c> value, when <paramref name="allowed"/> has it and it is given.</param>
        private RealServer? ReadServer(YamlValue node, string path, VirtualServiceKey service, string[] allowed, out YamlValue? checkNode)
        {
            checkNode = null;
            if (node is not YamlMap mapping)
            {
                return Fail<RealServer?>(node.Line, path, $"must be a mapping, got {Describe(node)}", null);
            }

            int errorsBefore = Errors.Count;
            Dictionary<string, YamlValue> fields = Fields(mapping, path, allowed);
            checkNode = fields.GetValueOrDefault(HealthCheckParser.DeclarationKey);
            string methodName = fields.TryGetValue("method", out YamlValue? methodNode)
                ? OneOf(methodNode, new(path, "method"), IpvsVocabulary.MethodNames) ?? "nat"
                : "nat";
            _ = IpvsVocabulary.TryParseMethod(methodName, out ForwardingMethod method);

            NetAddress address = default;
            ushort port = 0;
            if (!fields.TryGetValue("address", out YamlValue? addressNode))
            {
                Report(mapping.Line, $"{path}.address", "is missing");
            }
            else if (Scalar(addressNode, new(path, "address"), "must be an address such as 10.1.1.2:8080 or [fd00::2]:8080") is { } text)
            {
                if (!KeyText.TryParseEndpoint(text, out address, out ushort? givenPort))
                {
                    Report(addressNode.Line, $"{path}.address", $"must be an address such as 10.1.1.2:8080 or [fd00::2]:8080, got \"{text}\"");
                }
                else
                {
                    port = ReadServerPort(addressNode, $"{path}.address", service, method, givenPort);
                    if (address.Family != service.Family && method != ForwardingMethod.Tunnel)
                    {
                        Report(addressNode.Line, $"{path}.address", $"is {FamilyName(address.Family)} but the service is {FamilyName(service.Family)} (only tun may mix families)");
                    }
                }
            }

            int weight = fields.TryGetValue("weight", out YamlValue? weightNode)
                ? (int)(Number(weightNode, new(path, "weight"), 0, int.MaxValue, null) ?? 1)
                : 1;
            uint upper = fields.TryGetValue("upper-threshold", out YamlValue? upperNode)
                ? (uint)(Number(upperNode, new(path, "upper-threshold"), 0, uint.MaxValue, "connections") ?? 0)
                : 0;
            uint lower = fields.TryGetValue("lower-threshold", out YamlValue? lowerNode)
                ? (uint)(Number(lowerNode, new(path, "lower-threshold"), 0, uint.MaxValue, "connections") ?? 0)
                : 0;
            if (upper != 0 && lower > upper)
            {
                Report(lowerNode!.Line, $"{path}.lower-threshold", $"must not exceed upper-threshold ({upper}), got {lower}");
            }

            (TunnelType tunnelType, ushort tunnelPort, TunnelFlags tunnelFlags) = ReadTunnel(fields, path, method);
            return Errors.Count > errorsBefore
                ? null
                : new RealServer(address, port, method, weight, upper, lower, tunnelType, tunnelPort, tunnelFlags);
        }

        private ushort ReadServerPort(YamlValue node, string path, VirtualServiceKey service, ForwardingMethod method, ushort? givenPort)
        {
            if (method == ForwardingMethod.Masquerade)
            {
                // Port 0 (omitted, in a firewall-mark or all-ports service) keeps each packet's port; written as :0 it is a mistake.
                return givenPort == 0
                    ? Fail<ushort>(node.Line, path, "nat sends to the real server's port: give one from 1 to 65535 (or omit it to use the service's), got 0", 0)
                    : givenPort ?? service.Port;
            }

            // Direct routing, tunnelling and local delivery forward the packet unchanged, so the kernel ignores any other port.
            if (givenPort is { } other && other != service.Port)
            {
                Report(node.Line, path, $"{IpvsVocabulary.MethodName(method)} does not change the port: omit it or use {service.Port}, got {other}");
            }

            return service.Port;
        }

        private (TunnelType, ushort, TunnelFlags) ReadTunnel(Dictionary<string, YamlValue> fields, string path, ForwardingMethod method)
        {
            bool hasType = fields.TryGetValue("tunnel-type", out YamlValue? typeNode);
            bool hasPort = fields.TryGetValue("tunnel-port", out YamlValue? portNode);
            bool hasChecksum = fields.TryGetValue("tunnel-checksum", out YamlValue? checksumNode);
            if (method != ForwardingMethod.Tunnel)
            {
                OnlyWithTunnel(typeNode, "tunnel-type");
                OnlyWithTunnel(portNode, "tunnel-port");
                OnlyWithTunnel(checksumNode, "tunnel-checksum");
                return (TunnelType.IpIp, 0, TunnelFlags.NoChecksum);
            }

            _ = IpvsVocabulary.TryParseTunnelType(
                (hasType ? OneOf(typeNode!, new(path, "tunnel-type"), IpvsVocabulary.TunnelTypeNames) : null) ?? "ipip", out TunnelType type);
            ushort port = 0;
            if (type == TunnelType.Gue)
            {
                port = hasPort
                    ? (ushort)(Number(portNode!, new(path, "tunnel-port"), 1, ushort.MaxValue, null) ?? 0)
                    : Fail<ushort>(fields["tunnel-type"].Line, $"{path}.tunnel-port", "is missing (gue needs the UDP port of the remote end)", 0);
            }
            else if (hasPort)
            {
                Report(portNode!.Line, $"{path}.tunnel-port", "only applies with tunnel-type: gue");
            }

            TunnelFlags checksum = TunnelFlags.NoChecksum;
            if (hasChecksum)
            {
                if (type == TunnelType.IpIp)
                {
                    Report(checksumNode!.Line, $"{path}.tunnel-checksum", "only applies with tunnel-type: gue or gre");
                }

                checksum = OneOf(checksumNode!, new(path, "tunnel-checksum"), ["none", "csum", "remcsum"]) switch
                {
                    "csum" => TunnelFlags.Checksum,
                    "remcsum" => TunnelFlags.RemoteChecksum,
                    _ => TunnelFlags.NoChecksum,
                };
            }

            return (type, port, checksum);

            void OnlyWithTunnel(YamlValue? node, string key)
            {
                if (node is not null)
                {
                    Report(node.Line, $"{path}.{key}", "only applies with method: tun");
                }
            }
        }

        private Dictionary<string, YamlValue> Fields(YamlMap mapping, string path, IReadOnlyList<string> allowed)
        {
            var fields = new Dictionary<string, YamlValue>(allowed.Count, StringComparer.Ordinal);
            foreach ((YamlValue keyNode, YamlValue value) in mapping.Entries)
            {
                string key = keyNode is YamlText { Text: var text } ? text : Describe(keyNode);
                if (!IsOneOf(key, allowed))
                {
                    Report(keyNode.Line, new FieldPath(path, key).ToString(), $"unknown key; expected one of {string.Join(", ", allowed)}");
                }
                else if (!fields.TryAdd(key, value))
                {
                    Report(keyNode.Line, new FieldPath(path, key).ToString(), "appears twice");
                }
            }

            return fields;
        }

        private string? Scalar(YamlValue node, FieldPath path, string expectation) =>
            node is YamlText { Text: var text }
                ? text
                : Fail<string?>(node.Line, path.ToString(), $"{expectation}, got {Describe(node)}", null);

        private string? Text(YamlValue node, FieldPath path, string expectation) =>
            Scalar(node, path, expectation) is { Length: > 0 } text ? text : Fail<string?>(node.Line, path.ToString(), $"{expectation}, got \"\"", null);

        // The expectations below are only written out for an error: most values read are valid.
        private string? OneOf(YamlValue node, FieldPath path, IReadOnlyList<string> choices)
        {
            if (node is YamlText { Text: var valid } && IsOneOf(valid, choices))
            {
                return valid;
            }

            string expectation = $"must be one of {string.Join(", ", choices)}";
            return Scalar(node, path, expectation) is { } text
                ? Fail<string?>(node.Line, path.ToString(), $"{expectation}, got \"{text}\"", null)
                : null;
        }

        private long? Number(YamlValue node, FieldPath path, long minimum, long maximum, string? unit)
        {
            if (node is YamlText { Text: var valid }
                && long.TryParse(valid, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value >= minimum && value <= maximum)
            {
                return value;
            }

            string what = unit is null ? string.Empty : $" ({unit})";
            string expectation = $"must be a whole number from {minimum} to {maximum}{what}";
            return Scalar(node, path, expectation) is { } text
                ? Fail<long?>(node.Line, path.ToString(), $"{expectation}, got \"{text}\"", null)
                : null;
        }

        private static bool IsOneOf(string text, IReadOnlyList<string> choices)
        {
            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i], text, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        private static string Describe(YamlValue node) => node switch
        {
            YamlList => "a list",
            YamlMap => "a mapping",
            YamlText { Text: var value } => $"\"{value}\"",
            _ => "something else",
        };

        private static string FamilyName(IpFamily family) => family == IpFamily.V6 ? "IPv6" : "IPv4";

    }
}
