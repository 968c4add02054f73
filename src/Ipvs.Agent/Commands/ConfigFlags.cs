using System.CommandLine;
using Ipvs.Agent.Configuration;

namespace Ipvs.Agent.Commands;

/// <summary>The flags that mirror configuration keys; they win over the file and the environment.</summary>
internal sealed class ConfigFlags
{
    private readonly List<(Option<string?> Option, string Key)> _scalars = [];
    private readonly List<(Option<string[]> Option, string Key)> _lists = [];

    public ConfigFlags()
    {
        Config = new Option<string?>("--config") { Description = $"YAML config file (default {AgentOptions.DefaultConfigFile}, or IPVS_AGENT_CONFIG).", Recursive = true, HelpName = "FILE" };
        NoDocker = new Option<bool>("--no-docker") { Description = "Do not use Docker as a source (config docker: false).", Recursive = true };
        Scalar("--services", ConfigurationKeys.ServicesFile, "Static services YAML file.", "FILE");
        Scalar("--docker-host", ConfigurationKeys.DockerHost, "Docker endpoint URI (default DOCKER_HOST or unix:///var/run/docker.sock).", "URI");
        List("--allowed-vip-cidr", ConfigurationKeys.AllowedVipCidrs, "VIP block the agent may own services in; repeatable.", "CIDR");
        List("--allowed-fwmark", ConfigurationKeys.AllowedFwmarks, "Firewall-mark range the agent may own, such as 1-1000; repeatable.", "RANGE");
        Scalar("--resync-interval", ConfigurationKeys.ResyncInterval, "Full kernel re-read and drift repair interval (default 10s).", "DURATION");
        Scalar("--min-interval", ConfigurationKeys.MinInterval, "Shortest time between two reconcile passes (default 200ms).", "DURATION");
        Scalar("--drain-timeout", ConfigurationKeys.DrainTimeout, "Longest graceful drain of a real server (default 5m).", "DURATION");
        Scalar("--state-dir", ConfigurationKeys.StateDir, $"Ownership journal directory (default {AgentOptions.DefaultStateDir}).", "DIR");
        Scalar("--interface", ConfigurationKeys.Interface, "Dummy interface that carries the VIPs (default ipvs0).", "NAME");
        Scalar("--metrics-address", ConfigurationKeys.MetricsAddress, $"Prometheus endpoint address:port, or off (default {AgentOptions.DefaultMetricsAddress}).", "ADDR");
        Scalar("--log-format", ConfigurationKeys.LogFormat, "text or json (default text).", "FORMAT");
        Scalar("--log-level", ConfigurationKeys.LogLevel, "debug, info, warning or error (default info).", "LEVEL");
        Scalar("--node-address", ConfigurationKeys.NodeAddress, "This node's address, for Docker published-port services.", "IP");
        Scalar("--swarm-manager", ConfigurationKeys.SwarmManager, "Swarm manager endpoint URI.", "URI");
        Scalar("--docker-tls-cert-path", ConfigurationKeys.DockerTlsCertPath, "Directory with ca.pem, cert.pem and key.pem for a TCP dockerHost (default DOCKER_CERT_PATH).", "DIR");
        Scalar("--docker-tls-ca", ConfigurationKeys.DockerTlsCa, "CA certificate (PEM) the Docker engine's certificate must chain to.", "FILE");
        Scalar("--docker-tls-cert", ConfigurationKeys.DockerTlsCert, "Client certificate (PEM) presented to the Docker engine.", "FILE");
        Scalar("--docker-tls-key", ConfigurationKeys.DockerTlsKey, "Client key (PEM) for --docker-tls-cert.", "FILE");
        Scalar("--swarm-manager-tls-cert-path", ConfigurationKeys.SwarmManagerTlsCertPath, "Directory with ca.pem, cert.pem and key.pem for swarmManager (default: the Docker TLS files).", "DIR");
        Scalar("--swarm-manager-tls-ca", ConfigurationKeys.SwarmManagerTlsCa, "CA certificate (PEM) the swarm manager's certificate must chain to.", "FILE");
        Scalar("--swarm-manager-tls-cert", ConfigurationKeys.SwarmManagerTlsCert, "Client certificate (PEM) presented to the swarm manager.", "FILE");
        Scalar("--swarm-manager-tls-key", ConfigurationKeys.SwarmManagerTlsKey, "Client key (PEM) for --swarm-manager-tls-cert.", "FILE");
        Scalar("--docker-allow-insecure-tcp", ConfigurationKeys.DockerAllowInsecureTcp, "true: accept tcp:// Docker endpoints without TLS (warned about at start; default false).", "BOOL");
        Scalar("--dns-address", ConfigurationKeys.DnsAddress, "Service-name DNS responder address[:port] (UDP and TCP), or off (default off).", "ADDR");
        Scalar("--dns-domain", ConfigurationKeys.DnsDomain, $"Zone the DNS responder answers (default {AgentOptions.DefaultDnsDomain}).", "DOMAIN");
        Scalar("--dns-ttl", ConfigurationKeys.DnsTtl, "TTL of DNS answers (default 5s).", "DURATION");
        Scalar("--ipvs-tcp-timeout", ConfigurationKeys.IpvsTcpTimeout, "IPVS idle timeout of established TCP connections, whole seconds, set at start (kernel default 900s; unset leaves the kernel's).", "DURATION");
        Scalar("--ipvs-tcp-fin-timeout", ConfigurationKeys.IpvsTcpFinTimeout, "IPVS timeout of TCP connections after a FIN, set at start (kernel default 120s; unset leaves the kernel's).", "DURATION");
        Scalar("--ipvs-udp-timeout", ConfigurationKeys.IpvsUdpTimeout, "IPVS idle timeout of UDP flows, set at start (kernel default 300s; unset leaves the kernel's).", "DURATION");
        Scalar("--health-check-concurrency", ConfigurationKeys.HealthCheckConcurrency, $"Health checks in flight at once, 1-{AgentOptions.MaximumHealthCheckConcurrency} (default {AgentOptions.DefaultHealthCheckConcurrency}).", "COUNT");
        Scalar("--source-nat", ConfigurationKeys.SourceNat, "Source NAT of NAT connections: auto (those leaving by the node's uplink, to real servers on other hosts), all, or off (default auto).", "MODE");
        List("--dns-upstream", ConfigurationKeys.DnsUpstreams, "Resolver for other names, address[:port]; repeatable; none for none (default: /etc/resolv.conf's).", "ADDR");
    }

    public Option<string?> Config { get; }

    public Option<bool> NoDocker { get; }

    public IEnumerable<Option> All => [Config, NoDocker, .. _scalars.Select(pair => (Option)pair.Option), .. _lists.Select(pair => (Option)pair.Option)];

    public IEnumerable<FlagValue> Values(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach ((Option<string?> option, string key) in _scalars)
        {
            if (result.GetValue(option) is { } value)
            {
                yield return new FlagValue(key, value, option.Name);
            }
        }

        foreach ((Option<string[]> option, string key) in _lists)
        {
            foreach (string value in result.GetValue(option) ?? [])
            {
                yield return new FlagValue(key, value, option.Name);
            }
        }

        if (result.GetValue(NoDocker))
        {
            yield return new FlagValue(ConfigurationKeys.Docker, "false", NoDocker.Name);
        }
    }

    private void Scalar(string name, string key, string description, string helpName) =>
        _scalars.Add((new Option<string?>(name) { Description = description, Recursive = true, HelpName = helpName }, key));

    private void List(string name, string key, string description, string helpName) =>
        _lists.Add((new Option<string[]>(name) { Description = description, Recursive = true, HelpName = helpName }, key));
}
