using System.Text;
using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Dns.Wire;

namespace Ipvs.Dns.Zone;

/// <summary>A zone built, and the names it could not take (each message names both claimants or the culprit).</summary>
public sealed record ServiceNameZoneBuild(ServiceNameZone Zone, IReadOnlyList<string> Problems);

/// <summary>
/// The names the responder answers, as one immutable snapshot: <c>&lt;name&gt;.&lt;domain&gt;</c> → the service's VIPs
/// (A, AAAA) and <c>_&lt;name&gt;._&lt;proto&gt;.&lt;domain&gt;</c> → one SRV record per port. A new snapshot is built
/// from the desired state after each reconcile pass and swapped in whole.
/// </summary>
/// <remarks>
/// A name has at most one VIP per family: a second service claiming the name with another VIP of the same family is
/// a conflict, reported, and the first claim (in the desired state's order: static file, then Docker) stands.
/// Firewall-mark services have no address and get no name.
/// </remarks>
public sealed class ServiceNameZone
{
    private readonly Dictionary<string, ServiceNameEntry> _hosts;
    private readonly Dictionary<(string Name, string Protocol), ushort[]> _srv;
    private readonly HashSet<string> _protocols;

    private ServiceNameZone(string domain, uint ttl, uint serial, Dictionary<string, ServiceNameEntry> hosts,
        Dictionary<(string Name, string Protocol), ushort[]> srv)
    {
        DomainText = domain;
        Domain = DnsName.Encode(domain);
        Mailbox = DnsName.Encode("hostmaster." + domain);
        DomainLabels = DnsName.LabelCount(Domain);
        Ttl = ttl;
        Serial = serial;
        _hosts = hosts;
        _srv = srv;
        _protocols = [.. srv.Keys.Select(key => key.Protocol)];
    }

    /// <summary>The zone's apex, lower case, without a trailing dot.</summary>
    public string DomainText { get; }

    /// <summary>The apex in wire form (also the SOA's MNAME).</summary>
    public byte[] Domain { get; }

    /// <summary>The SOA's RNAME: <c>hostmaster.&lt;domain&gt;</c>.</summary>
    public byte[] Mailbox { get; }

    public int DomainLabels { get; }

    public uint Ttl { get; }

    public uint Serial { get; }

    public IReadOnlyDictionary<string, ServiceNameEntry> Hosts => _hosts;

    /// <summary>The SOA numbers: a zone nobody transfers, so only SERIAL and MINIMUM (the negative-caching TTL) matter.</summary>
    public SoaData Soa => new(Serial, Refresh: 3600, Retry: 600, Expire: 86400, Minimum: Ttl);

    public static ServiceNameZone Empty(string domain, uint ttl) => new(Normalize(domain), ttl, 0, [], []);

    /// <summary>The host entry for a first label (lower case), or null.</summary>
    public ServiceNameEntry? FindHost(string label) => _hosts.GetValueOrDefault(label);

    /// <summary>The SRV ports of <c>_name._proto</c> (labels without their underscore, lower case), or null.</summary>
    public ushort[]? FindSrv(string name, string protocol) => _srv.GetValueOrDefault((name, protocol));

    /// <summary>Whether <c>_proto.&lt;domain&gt;</c> exists as an empty non-terminal (some SRV name under it).</summary>
    public bool HasProtocol(string protocol) => _protocols.Contains(protocol);

    /// <summary>The domain in canonical form: lower case, no trailing dot; a valid name or an exception.</summary>
    /// <exception cref="ArgumentException">Not a domain name.</exception>
    public static string Normalize(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string text = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (text.Length == 0)
        {
            throw new ArgumentException("the DNS domain may not be empty or the root", nameof(domain));
        }

        _ = DnsName.Encode(text);
        return text;
    }

    /// <summary>Every named, address-based service of a desired state, in its order.</summary>
    public static IEnumerable<NamedService> NamesOf(DesiredState state, Func<VirtualServiceKey, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (DesiredService service in state.Services.Values)
        {
            if (service.Key.IsFirewallMark || (include is not null && !include(service.Key)))
            {
                continue;
            }

            foreach (string name in service.Names)
            {
                yield return new NamedService(name, service.Key, service.Source.ToString());
            }
        }
    }

    /// <summary>Builds a zone from the claims, in order; a claim that conflicts with an earlier one is left out and reported.</summary>
    public static ServiceNameZoneBuild Build(string domain, uint ttl, uint serial, IEnumerable<NamedService> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        string apex = Normalize(domain);
        var problems = new List<string>();
        var hosts = new Dictionary<string, ServiceNameEntry>(StringComparer.Ordinal);
        var claims = new Dictionary<(string Name, IpFamily Family), NamedService>();
        var ports = new Dictionary<(string Name, string Protocol), SortedSet<ushort>>();
        foreach (NamedService service in services)
        {
            string label = service.Name.ToLowerInvariant();
            if (!IsValidLabel(label) || Encoding.ASCII.GetByteCount(label) + 2 + apex.Length > DnsName.MaxLength - 1)
            {
                problems.Add($"service name '{service.Name}' of {service.Key} ({service.Source}) cannot be a DNS name under {apex} (1-63 letters, digits, '-' or '_'); it is not answered");
                continue;
            }

            IpFamily family = service.Key.Family;
            if (claims.TryGetValue((label, family), out NamedService? first))
            {
                if (first.Key.Address != service.Key.Address)
                {
                    problems.Add($"service name '{label}': {service.Key} from {service.Source} conflicts with {first.Key} from {first.Source}; {label}.{apex} answers {first.Key.Address}");
                    continue;
                }
            }
            else
            {
                claims.Add((label, family), service);
            }

            byte[] address = new byte[service.Key.Address.ByteLength];
            service.Key.Address.WriteBytes(address);
            hosts[label] = hosts.TryGetValue(label, out ServiceNameEntry? entry)
                ? family == IpFamily.V4 ? entry with { V4 = address } : entry with { V6 = address }
                : new ServiceNameEntry(label, DnsName.Encode($"{label}.{apex}"), family == IpFamily.V4 ? address : null, family == IpFamily.V6 ? address : null);
            string protocol = VirtualServiceKey.ProtocolName(service.Key.Protocol).ToLowerInvariant();
            if (!ports.TryGetValue((label, protocol), out SortedSet<ushort>? set))
            {
                ports[(label, protocol)] = set = [];
            }

            set.Add(service.Key.Port);
        }

        var srv = ports.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        return new ServiceNameZoneBuild(new ServiceNameZone(apex, ttl, serial, hosts, srv), problems);
    }

    private static bool IsValidLabel(string label) =>
        label.Length is > 0 and <= DnsName.MaxLabelLength && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
