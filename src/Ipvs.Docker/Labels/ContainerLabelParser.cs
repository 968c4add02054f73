using System.Globalization;
using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Docker.Labels;

/// <summary>The <c>&lt;svc&gt;</c> names that parsed, and one error per label (or missing label) that did not.</summary>
public sealed record LabelParseResult(IReadOnlyList<ServiceLabels> Services, IReadOnlyList<DiscoveryError> Errors);

/// <summary>
/// Reads the <c>ipvs.&lt;svc&gt;.&lt;option&gt;</c> labels of one container or swarm service. These label names are a
/// user contract. A <c>&lt;svc&gt;</c> with any bad label is dropped whole (half a service is worse than none); the
/// other <c>&lt;svc&gt;</c> names of the same container still count.
/// </summary>
public static class ContainerLabelParser
{
    public const string Prefix = "ipvs.";

    private const string DefaultScheduler = "rr";

    /// <summary><c>check-</c>: the check's options as labels are its words (<see cref="HealthCheckParser.Options"/>) behind this.</summary>
    private const string CheckOptionPrefix = HealthCheckParser.DeclarationKey + "-";

    /// <summary>
    /// The <c>ipvs.&lt;svc&gt;.check-&lt;option&gt;</c> options: every check option but the kind, which
    /// <c>ipvs.&lt;svc&gt;.check</c> itself gives.
    /// </summary>
    public static IReadOnlyList<string> CheckOptions { get; } =
        [.. HealthCheckParser.Options.Where(option => option != HealthCheckParser.KindOption).Select(option => CheckOptionPrefix + option)];

    /// <summary>Every <c>&lt;option&gt;</c> of <c>ipvs.&lt;svc&gt;.&lt;option&gt;</c>, in the order the README's table lists them.</summary>
    public static IReadOnlyList<string> KnownOptions { get; } =
        ["vip", "fwmark", "port", "protocol", "scheduler", "weight", "method", "persistence", "network", "address", HealthCheckParser.DeclarationKey, .. CheckOptions];

    public static LabelParseResult Parse(string source, IDictionary<string, string>? labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        var errors = new List<DiscoveryError>();
        var bySvc = new SortedDictionary<string, SortedDictionary<string, (string Label, string Value)>>(StringComparer.Ordinal);
        foreach ((string label, string value) in labels ?? new Dictionary<string, string>())
        {
            if (!label.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            int dot = label.LastIndexOf('.');
            string svc = dot > Prefix.Length ? label[Prefix.Length..dot] : string.Empty;
            string option = dot > Prefix.Length ? label[(dot + 1)..] : string.Empty;
            if (!IsValidName(svc) || option.Length == 0)
            {
                errors.Add(Error(source, label, value, "expected ipvs.<svc>.<option> where <svc> is letters, digits, '-' or '_'"));
                continue;
            }

            if (!bySvc.TryGetValue(svc, out var options))
            {
                options = new SortedDictionary<string, (string, string)>(StringComparer.Ordinal);
                bySvc.Add(svc, options);
            }

            options.Add(option, (label, value));
        }

        var services = new List<ServiceLabels>();
        foreach ((string svc, var options) in bySvc)
        {
            int errorsBefore = errors.Count;
            ServiceLabels? service = ParseService(source, svc, options, errors);
            if (service is not null && errors.Count == errorsBefore)
            {
                services.Add(service);
            }
        }

        return new LabelParseResult(services, errors);
    }

    private static ServiceLabels? ParseService(
        string source, string svc, SortedDictionary<string, (string Label, string Value)> options, List<DiscoveryError> errors)
    {
        foreach ((string option, (string label, string value)) in options)
        {
            if (!KnownOptions.Contains(option, StringComparer.Ordinal))
            {
                errors.Add(Error(source, label, value, $"unknown option '{option}'; known options are {string.Join(", ", KnownOptions)}"));
            }
        }

        bool hasVip = options.TryGetValue("vip", out var vipLabel);
        bool hasMark = options.TryGetValue("fwmark", out var markLabel);
        if (hasVip == hasMark)
        {
            string vipName = $"{Prefix}{svc}.vip";
            string markName = $"{Prefix}{svc}.fwmark";
            errors.Add(hasVip
                ? new DiscoveryError(source, markName, $"{source}: service '{svc}' has both '{vipName}' and '{markName}'; give one of them")
                : new DiscoveryError(source, vipName, $"{source}: service '{svc}' needs label '{vipName}' or '{markName}'"));
            return null;
        }

        NetAddress vip = default;
        ushort vipPort = 0;
        uint mark = 0;
        if (hasVip && !TryParseEndpoint(vipLabel.Value, out vip, out vipPort))
        {
            errors.Add(Error(source, vipLabel.Label, vipLabel.Value, "expected ADDRESS:PORT such as 10.99.0.10:80 or [fd00::10]:80"));
        }

        if (hasMark && (!uint.TryParse(markLabel.Value, NumberStyles.None, CultureInfo.InvariantCulture, out mark) || mark == 0))
        {
            errors.Add(Error(source, markLabel.Label, markLabel.Value, "expected a firewall mark from 1 to 4294967295"));
        }

        ushort targetPort = vipPort;
        if (options.TryGetValue("port", out var port) && !TryParsePort(port.Value, out targetPort))
        {
            errors.Add(Error(source, port.Label, port.Value, "expected a port from 1 to 65535"));
        }

        IpvsProtocol protocol = IpvsProtocol.Tcp;
        if (options.TryGetValue("protocol", out var protocolLabel))
        {
            if (!IpvsVocabulary.TryParseProtocol(protocolLabel.Value, out protocol))
            {
                errors.Add(Error(source, protocolLabel.Label, protocolLabel.Value, $"expected {Choices(IpvsVocabulary.ProtocolNames)}"));
            }
        }

        string scheduler = DefaultScheduler;
        if (options.TryGetValue("scheduler", out var schedulerLabel))
        {
            scheduler = schedulerLabel.Value;
            if (!IpvsVocabulary.IsScheduler(scheduler))
            {
                errors.Add(Error(source, schedulerLabel.Label, schedulerLabel.Value, $"unknown scheduler; expected one of {string.Join(", ", IpvsVocabulary.Schedulers)}"));
            }
        }

        int weight = 1;
        if (options.TryGetValue("weight", out var weightLabel)
            && !int.TryParse(weightLabel.Value, NumberStyles.None, CultureInfo.InvariantCulture, out weight))
        {
            errors.Add(Error(source, weightLabel.Label, weightLabel.Value, "expected a weight from 0 to 2147483647"));
        }

        ForwardingMethod method = ForwardingMethod.Masquerade;
        if (options.TryGetValue("method", out var methodLabel))
        {
            if (!IpvsVocabulary.TryParseMethod(methodLabel.Value, out method))
            {
                errors.Add(Error(source, methodLabel.Label, methodLabel.Value, $"expected {Choices(IpvsVocabulary.MethodNames)}"));
            }
        }

        uint persistence = 0;
        if (options.TryGetValue("persistence", out var persistenceLabel)
            && !uint.TryParse(persistenceLabel.Value, NumberStyles.None, CultureInfo.InvariantCulture, out persistence))
        {
            // 0 = off, as in the static services file.
            errors.Add(Error(source, persistenceLabel.Label, persistenceLabel.Value, "expected a persistence timeout in seconds (0 = off)"));
        }

        string? network = null;
        if (options.TryGetValue("network", out var networkLabel))
        {
            network = networkLabel.Value;
            if (string.IsNullOrWhiteSpace(network))
            {
                errors.Add(Error(source, networkLabel.Label, networkLabel.Value, "expected a network name"));
            }
        }

        AddressMode addressMode = AddressMode.Container;
        if (options.TryGetValue("address", out var addressLabel))
        {
            AddressMode? parsed = addressLabel.Value switch
            {
                "container" => AddressMode.Container,
                "published" => AddressMode.Published,
                _ => null,
            };
            if (parsed is null)
            {
                errors.Add(Error(source, addressLabel.Label, addressLabel.Value, "expected container or published"));
            }

            addressMode = parsed ?? addressMode;
        }

        if (addressMode == AddressMode.Published && hasMark && targetPort == 0)
        {
            errors.Add(new DiscoveryError(source, $"{Prefix}{svc}.port",
                $"{source}: service '{svc}' publishes a firewall-mark service and needs label '{Prefix}{svc}.port' to find the published port"));
        }

        HealthCheck? check = ParseCheck(source, svc, options, errors);
        if (check is not null && hasMark && targetPort == 0 && check.Port == 0)
        {
            // Such a server keeps each client's port, so there is no port of its own to check.
            errors.Add(new DiscoveryError(source, CheckLabel(svc, "port"),
                $"{source}: service '{svc}' is a firewall-mark service without label '{Prefix}{svc}.port', so its check needs label '{CheckLabel(svc, "port")}'"));
        }

        return new ServiceLabels(svc, vip, vipPort, mark, targetPort, protocol, scheduler, weight, method, persistence, network, addressMode, check);
    }

    /// <summary>
    /// The check <c>ipvs.&lt;svc&gt;.check</c> declares (shorthand) with its <c>check-&lt;option&gt;</c> labels applied;
    /// null when there is none or it is <c>off</c>.
    /// </summary>
    private static HealthCheck? ParseCheck(
        string source, string svc, SortedDictionary<string, (string Label, string Value)> options, List<DiscoveryError> errors)
    {
        List<(string Option, string Label, string Value)> given = [.. options
            .Where(pair => CheckOptions.Contains(pair.Key, StringComparer.Ordinal))
            .Select(pair => (pair.Key[CheckOptionPrefix.Length..], pair.Value.Label, pair.Value.Value))];
        string checkLabel = $"{Prefix}{svc}.{HealthCheckParser.DeclarationKey}";
        if (!options.TryGetValue(HealthCheckParser.DeclarationKey, out var declared))
        {
            foreach ((_, string label, string value) in given)
            {
                errors.Add(Error(source, label, value, $"needs label '{checkLabel}' ({ShorthandWords}) to say what to check"));
            }

            return null;
        }

        if (!HealthCheckParser.TryParseShorthand(declared.Value, out HealthCheck? check, out string error))
        {
            errors.Add(Error(source, declared.Label, declared.Value, error));
            return null;
        }

        if (check is null)
        {
            // Refused rather than ignored: whoever wrote the option expected it to do something.
            foreach ((_, string label, string value) in given)
            {
                errors.Add(Error(source, label, value, $"does nothing while '{checkLabel}' is {HealthCheckParser.Off}"));
            }

            return null;
        }

        foreach ((string option, string label, string value) in given)
        {
            if (!HealthCheckParser.TryApply(check, option, value, out check, out error))
            {
                errors.Add(Error(source, label, value, error));
            }
        }

        if (HealthCheckParser.Problem(check) is { } problem)
        {
            errors.Add(new DiscoveryError(source, checkLabel, $"{source}: service '{svc}': label '{checkLabel}={declared.Value}' and its check-* labels: {problem}"));
        }

        return check;
    }

    private static string ShorthandWords => $"{string.Join(", ", HealthCheckParser.KindNames)}, http:/PATH or https:/PATH";

    private static string CheckLabel(string svc, string option) => $"{Prefix}{svc}.{CheckOptionPrefix}{option}";

    /// <summary>"a, b or c".</summary>
    private static string Choices(IReadOnlyList<string> names) => $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    private static bool IsValidName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static DiscoveryError Error(string source, string label, string value, string reason) =>
        new(source, label, $"{source}: label '{label}={value}': {reason}");

    private static bool TryParsePort(ReadOnlySpan<char> text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port != 0;

    /// <summary>Parses <c>10.99.0.10:80</c> or <c>[fd00::10]:80</c>; an IPv6 address without brackets is ambiguous and refused.</summary>
    internal static bool TryParseEndpoint(string text, out NetAddress address, out ushort port)
    {
        address = default;
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        ReadOnlySpan<char> host = text.AsSpan(0, colon);
        bool bracketed = host.StartsWith("[") && host.EndsWith("]");
        return (bracketed || host.IndexOf(':') < 0)
            && NetAddress.TryParse(host, out address)
            && TryParsePort(text.AsSpan(colon + 1), out port);
    }
}
