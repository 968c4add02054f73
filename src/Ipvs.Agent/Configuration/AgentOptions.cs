using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Docker;
using Ipvs.Netlink.Ipvs;
using Serilog.Events;

namespace Ipvs.Agent.Configuration;

public enum LogFormat
{
    Text,
    Json,
}

/// <summary>The agent's validated configuration: defaults, then the YAML file, then <c>IPVS_AGENT_*</c>, then flags.</summary>
internal sealed record AgentOptions
{
    public const string DefaultConfigFile = "/etc/ipvs-agent/config.yaml";
    public const string DefaultStateDir = "/var/lib/ipvs-agent";
    public const string DefaultMetricsAddress = "127.0.0.1:9469";
    public const string DefaultDnsDomain = "ipvs.internal";

    /// <summary>The YAML file the options were read from, or null when it was absent.</summary>
    public string? ConfigFile { get; init; }

    public string? DockerHost { get; init; }

    public string? ServicesFile { get; init; }

    public bool DockerEnabled { get; init; } = true;

    public IReadOnlyList<AddressBlock> AllowedVipCidrs { get; init; } = [];

    public IReadOnlyList<FirewallMarkRange> AllowedFwmarks { get; init; } = [];

    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public string Interface { get; init; } = "ipvs0";

    /// <summary>host:port of the Prometheus endpoint; null when disabled (<c>metricsAddress: off</c>).</summary>
    public string? MetricsAddress { get; init; } = DefaultMetricsAddress;

    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public string StateDir { get; init; } = DefaultStateDir;

    public NetAddress? NodeAddress { get; init; }

    public string? SwarmManager { get; init; }

    /// <summary>The local Docker engine: <see cref="DockerHost"/>, else <c>DOCKER_HOST</c>, else the local socket; TLS when configured.</summary>
    public DockerConnection DockerConnection { get; init; } = new(new Uri(DockerEndpoint.DefaultUri));

    /// <summary>The swarm manager a worker reads services and tasks from, or null.</summary>
    public DockerConnection? SwarmManagerConnection { get; init; }

    /// <summary>True when the operator accepted TCP Docker endpoints without TLS (<c>dockerAllowInsecureTcp</c>).</summary>
    public bool DockerAllowInsecureTcp { get; init; }

    /// <summary>Where the service-name DNS responder listens (UDP and TCP); null when off (the default).</summary>
    public System.Net.IPEndPoint? DnsAddress { get; init; }

    /// <summary>The zone the responder is authoritative for: <c>&lt;name&gt;.&lt;domain&gt;</c>.</summary>
    public string DnsDomain { get; init; } = DefaultDnsDomain;

    /// <summary>The TTL of every answer, and the SOA's negative-caching TTL.</summary>
    public TimeSpan DnsTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Resolvers for names outside the zone; null for the default (/etc/resolv.conf's), empty for none.</summary>
    public IReadOnlyList<System.Net.IPEndPoint>? DnsUpstreams { get; init; }

    /// <summary>The IPVS connection timeouts set at start (<c>ipvsTcpTimeout</c>, …), in seconds; a 0 leaves the kernel's own.</summary>
    public IpvsTimeouts IpvsTimeouts { get; init; }

    /// <summary>Health checks in flight at once (<c>healthCheckConcurrency</c>); the others wait their turn.</summary>
    public int HealthCheckConcurrency { get; init; } = DefaultHealthCheckConcurrency;

    /// <summary>Which NAT connections get source NAT (<c>sourceNat</c>), so real servers on other hosts answer through this node.</summary>
    public SourceNatMode SourceNat { get; init; } = SourceNatMode.Auto;

    public const int DefaultHealthCheckConcurrency = 64;

    public const int MaximumHealthCheckConcurrency = 4096;

    public OwnershipPolicy OwnershipPolicy => new(AllowedVipCidrs, AllowedFwmarks);

    /// <summary>
    /// True when <paramref name="reloaded"/> changes anything but the log level (the one key a reload applies). Lists
    /// are compared by content: each load makes new list objects, which record equality would call different.
    /// </summary>
    public bool NeedsRestartToApply(AgentOptions reloaded)
    {
        ArgumentNullException.ThrowIfNull(reloaded);
        return reloaded with
        {
            LogLevel = LogLevel,
            AllowedVipCidrs = AllowedVipCidrs.SequenceEqual(reloaded.AllowedVipCidrs) ? AllowedVipCidrs : reloaded.AllowedVipCidrs,
            AllowedFwmarks = AllowedFwmarks.SequenceEqual(reloaded.AllowedFwmarks) ? AllowedFwmarks : reloaded.AllowedFwmarks,
            DnsUpstreams = SameUpstreams(DnsUpstreams, reloaded.DnsUpstreams) ? DnsUpstreams : reloaded.DnsUpstreams,
        } != this;
    }

    private static bool SameUpstreams(IReadOnlyList<System.Net.IPEndPoint>? running, IReadOnlyList<System.Net.IPEndPoint>? reloaded) =>
        running is null ? reloaded is null : reloaded is not null && running.SequenceEqual(reloaded);
}
