using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Metrics;
using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Dns.Responder;
using Ipvs.Dns.Server;
using Ipvs.Dns.Wire;
using Ipvs.Dns.Zone;
using Ipvs.Engine;
using Serilog;

namespace Ipvs.Agent.ServiceNames;

/// <summary>
/// The daemon's service-name DNS responder: after each reconcile pass, the names of the services that pass left in
/// the kernel are swapped in; queries are counted by response code.
/// </summary>
internal sealed class ServiceNameDns(AgentOptions options, AgentMetrics metrics, ILogger log) : IDnsServerEvents, IDisposable
{
    private readonly IPEndPoint _address = options.DnsAddress ?? throw new ArgumentException("dnsAddress is off", nameof(options));
    private readonly uint _ttl = (uint)Math.Min(options.DnsTtl.TotalSeconds, int.MaxValue);
    private DnsResponder? _responder;
    private DnsServer? _server;
    private (DesiredState State, ImmutableHashSet<VirtualServiceKey> Owned)? _built;
    private uint _serial;
    private DateTimeOffset _lastTroubleLogged;

    /// <summary>The configured upstreams, or the resolvers of <paramref name="resolvConf"/> (null when unreadable) without ourselves.</summary>
    public static IReadOnlyList<IPEndPoint> Upstreams(AgentOptions options, string? resolvConf)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DnsUpstreams
            ?? (resolvConf is null || options.DnsAddress is null ? [] : ResolvConf.Nameservers(resolvConf, options.DnsAddress));
    }

    /// <summary>Binds UDP and TCP; on failure logs why and returns false (the agent runs on without names).</summary>
    public bool Start()
    {
        string? resolvConf = null;
        try
        {
            resolvConf = options.DnsUpstreams is null ? File.ReadAllText(ResolvConf.DefaultPath) : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            log.Warning("DNS: cannot read {Path} for upstream resolvers: {Error}; answering {Domain} only", ResolvConf.DefaultPath, exception.Message, options.DnsDomain);
        }

        IReadOnlyList<IPEndPoint> upstreams = Upstreams(options, resolvConf);
        _responder = new DnsResponder(ServiceNameZone.Empty(options.DnsDomain, _ttl), canForward: upstreams.Count > 0);
        _server = new DnsServer(_address, _responder, upstreams.Count > 0 ? new DnsForwarder(upstreams, TimeSpan.FromSeconds(2)) : null, this);
        try
        {
            _server.Start();
        }
        catch (SocketException exception)
        {
            log.Error("DNS responder {Address} could not be opened: {Error}; running without service names", _address, exception.Message);
            _server.Dispose();
            _server = null;
            return false;
        }

        log.Information("DNS responder on {Address} (UDP, TCP) for {Domain}, TTL {Ttl}s; other names {Forwarding}",
            _address, options.DnsDomain, _ttl, upstreams.Count > 0 ? $"forwarded to {string.Join(", ", upstreams)}" : "refused");
        return true;
    }

    public Task RunAsync(CancellationToken cancellationToken) => _server?.RunAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// The check of a desired state's service names (two VIPs of one family under one name, a name that is no DNS
    /// label) for the assembler, when the responder is on; null when it is off (names are then not served, so not checked).
    /// The daemon, <c>plan</c>, <c>apply</c>, <c>verify</c> and <c>status</c> all report what it finds.
    /// </summary>
    public static Func<DesiredState, IReadOnlyList<string>>? NameCheck(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string domain = options.DnsDomain;
        return options.DnsAddress is null ? null : state => ServiceNameZone.Build(domain, 0, 0, ServiceNameZone.NamesOf(state)).Problems;
    }

    /// <summary>After a pass: the names of the desired services the agent now owns (those the kernel has).</summary>
    public void Update(ReconcileReport? report, Reconciler reconciler)
    {
        ArgumentNullException.ThrowIfNull(reconciler);
        if (report is null || _responder is null)
        {
            return;
        }

        DesiredState state = report.Desired.State;
        ImmutableHashSet<VirtualServiceKey> owned = reconciler.Ownership.Services;
        if (_built is { } built && ReferenceEquals(built.State, state) && ReferenceEquals(built.Owned, owned))
        {
            return;
        }

        // Name conflicts are reported with the pass's other problems (DesiredStateAssembler); not twice here.
        ServiceNameZoneBuild zone = ServiceNameZone.Build(options.DnsDomain, _ttl, ++_serial, ServiceNameZone.NamesOf(state, owned.Contains));
        _responder.Swap(zone.Zone);
        _built = (state, owned);
        log.Debug("DNS: {Names} names in {Domain} (serial {Serial})", zone.Zone.Hosts.Count, options.DnsDomain, _serial);
    }

    public void Answered(DnsResponseCode code, DnsTransport transport) => metrics.RecordDnsQuery(ResponseCodeText(code));

    public void Trouble(string message)
    {
        // A flood of bad packets must not become a flood of log lines: at most one a minute at warning.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (now - _lastTroubleLogged > TimeSpan.FromMinutes(1))
        {
            _lastTroubleLogged = now;
            log.Warning("DNS: {Trouble}", message);
        }
        else
        {
            log.Debug("DNS: {Trouble}", message);
        }
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>The RFC mnemonic, as the metric's label.</summary>
    public static string ResponseCodeText(DnsResponseCode code) => code switch
    {
        DnsResponseCode.NoError => "NOERROR",
        DnsResponseCode.FormErr => "FORMERR",
        DnsResponseCode.ServFail => "SERVFAIL",
        DnsResponseCode.NXDomain => "NXDOMAIN",
        DnsResponseCode.NotImp => "NOTIMP",
        DnsResponseCode.Refused => "REFUSED",
        DnsResponseCode.BadVers => "BADVERS",
        _ => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
