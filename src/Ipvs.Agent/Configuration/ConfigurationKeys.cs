namespace Ipvs.Agent.Configuration;

/// <summary>The configuration keys, as written in the YAML file; flags and variables map onto these.</summary>
internal static class ConfigurationKeys
{
    public const string DockerHost = "dockerHost";
    public const string ServicesFile = "servicesFile";
    public const string Docker = "docker";
    public const string AllowedVipCidrs = "allowedVipCidrs";
    public const string AllowedFwmarks = "allowedFwmarks";
    public const string ResyncInterval = "resyncInterval";
    public const string MinInterval = "minInterval";
    public const string DrainTimeout = "drainTimeout";
    public const string Interface = "interface";
    public const string MetricsAddress = "metricsAddress";
    public const string LogLevel = "logLevel";
    public const string LogFormat = "logFormat";
    public const string StateDir = "stateDir";
    public const string NodeAddress = "nodeAddress";
    public const string SwarmManager = "swarmManager";
    public const string DockerTlsCertPath = "dockerTlsCertPath";
    public const string DockerTlsCa = "dockerTlsCa";
    public const string DockerTlsCert = "dockerTlsCert";
    public const string DockerTlsKey = "dockerTlsKey";
    public const string SwarmManagerTlsCertPath = "swarmManagerTlsCertPath";
    public const string SwarmManagerTlsCa = "swarmManagerTlsCa";
    public const string SwarmManagerTlsCert = "swarmManagerTlsCert";
    public const string SwarmManagerTlsKey = "swarmManagerTlsKey";
    public const string DockerAllowInsecureTcp = "dockerAllowInsecureTcp";
    public const string DnsAddress = "dnsAddress";
    public const string DnsDomain = "dnsDomain";
    public const string DnsTtl = "dnsTtl";
    public const string DnsUpstreams = "dnsUpstreams";
    public const string IpvsTcpTimeout = "ipvsTcpTimeout";
    public const string IpvsTcpFinTimeout = "ipvsTcpFinTimeout";
    public const string IpvsUdpTimeout = "ipvsUdpTimeout";
    public const string HealthCheckConcurrency = "healthCheckConcurrency";
    public const string SourceNat = "sourceNat";

    public const string EnvironmentPrefix = "IPVS_AGENT_";

    /// <summary>The variable that names the config file itself (the <c>--config</c> flag wins over it).</summary>
    public const string ConfigFileVariable = "IPVS_AGENT_CONFIG";

    public static readonly string[] All =
    [
        DockerHost, ServicesFile, Docker, AllowedVipCidrs, AllowedFwmarks, ResyncInterval, MinInterval, DrainTimeout,
        Interface, MetricsAddress, LogLevel, LogFormat, StateDir, NodeAddress, SwarmManager,
        DockerTlsCertPath, DockerTlsCa, DockerTlsCert, DockerTlsKey,
        SwarmManagerTlsCertPath, SwarmManagerTlsCa, SwarmManagerTlsCert, SwarmManagerTlsKey, DockerAllowInsecureTcp,
        DnsAddress, DnsDomain, DnsTtl, DnsUpstreams, IpvsTcpTimeout, IpvsTcpFinTimeout, IpvsUdpTimeout,
        HealthCheckConcurrency, SourceNat,
    ];

    /// <summary>Keys whose value is a list; every layer holds it as one comma-separated value, so a later layer replaces the whole list.</summary>
    public static readonly string[] Lists = [AllowedVipCidrs, AllowedFwmarks, DnsUpstreams];

    /// <summary>The canonical key for <paramref name="name"/>, matched without regard to case and underscores.</summary>
    public static string? Find(string name)
    {
        string folded = name.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return All.FirstOrDefault(key => string.Equals(key, folded, StringComparison.OrdinalIgnoreCase));
    }
}
