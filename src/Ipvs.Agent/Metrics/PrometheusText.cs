using System.Globalization;
using System.Text;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Engine;

namespace Ipvs.Agent.Metrics;

/// <summary>
/// The Prometheus text exposition (format 0.0.4): IPVS counters under the node_exporter ipvs collector's names and
/// labels, so existing dashboards work, plus the agent's own <c>ipvs_agent_*</c> metrics.
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(AgentMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return (metrics.KernelTable is { } snapshot ? RenderKernel(snapshot.Table) : string.Empty) + RenderAgent(metrics);
    }

    /// <summary>The IPVS part (node_exporter's series and the per-service counters): the large part, the same for every scrape of one table read.</summary>
    public static string RenderKernel(KernelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        WriteIpvs(text, table);
        return text.ToString();
    }

    /// <summary>The agent's own series, which follow the exposition's IPVS part.</summary>
    public static string RenderAgent(AgentMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder();
        WriteAgent(text, metrics);
        return text.ToString();
    }

    private static void WriteIpvs(StringBuilder text, KernelTable table)
    {
        IpvsStatistics total = default;
        foreach (KernelService service in table.Services.Values)
        {
            IpvsStatistics stats = service.Status.Statistics;
            total = new IpvsStatistics(
                total.Connections + stats.Connections, total.IncomingPackets + stats.IncomingPackets, total.OutgoingPackets + stats.OutgoingPackets,
                total.IncomingBytes + stats.IncomingBytes, total.OutgoingBytes + stats.OutgoingBytes, 0, 0, 0, 0, 0);
        }

        Single(text, "node_ipvs_connections_total", "counter", "The total number of connections made.", total.Connections);
        Single(text, "node_ipvs_incoming_packets_total", "counter", "The total number of incoming packets.", total.IncomingPackets);
        Single(text, "node_ipvs_outgoing_packets_total", "counter", "The total number of outgoing packets.", total.OutgoingPackets);
        Single(text, "node_ipvs_incoming_bytes_total", "counter", "The total amount of incoming data.", total.IncomingBytes);
        Single(text, "node_ipvs_outgoing_bytes_total", "counter", "The total amount of outgoing data.", total.OutgoingBytes);

        var backends = table.OrderedServices
            .SelectMany(service => service.OrderedRealServers.Select(server => (Labels: BackendLabels(service.Key, server.Key), server.Server, server.Connections)))
            .ToList();
        Header(text, "node_ipvs_backend_connections_active", "gauge", "The current active connections by local and remote address.");
        backends.ForEach(backend => Sample(text, "node_ipvs_backend_connections_active", backend.Labels, backend.Connections.ActiveConnections));
        Header(text, "node_ipvs_backend_connections_inactive", "gauge", "The current inactive connections by local and remote address.");
        backends.ForEach(backend => Sample(text, "node_ipvs_backend_connections_inactive", backend.Labels, backend.Connections.InactiveConnections));
        Header(text, "node_ipvs_backend_weight", "gauge", "The current backend weight by local and remote address.");
        backends.ForEach(backend => Sample(text, "node_ipvs_backend_weight", backend.Labels, backend.Server.Weight));

        // Per-service counters: node_exporter has none, so these carry the agent's prefix.
        var services = table.OrderedServices.Select(service => (Labels: ServiceLabels(service.Key), service.Status.Statistics)).ToList();
        Header(text, "ipvs_agent_service_connections_total", "counter", "Connections scheduled by the virtual service.");
        services.ForEach(service => Sample(text, "ipvs_agent_service_connections_total", service.Labels, service.Statistics.Connections));
        Header(text, "ipvs_agent_service_incoming_bytes_total", "counter", "Bytes received by the virtual service.");
        services.ForEach(service => Sample(text, "ipvs_agent_service_incoming_bytes_total", service.Labels, service.Statistics.IncomingBytes));
        Header(text, "ipvs_agent_service_outgoing_bytes_total", "counter", "Bytes sent by the virtual service.");
        services.ForEach(service => Sample(text, "ipvs_agent_service_outgoing_bytes_total", service.Labels, service.Statistics.OutgoingBytes));
    }

    private static void WriteAgent(StringBuilder text, AgentMetrics metrics)
    {
        (long[] cumulative, double sum, long count) = metrics.Durations();
        Header(text, "ipvs_agent_reconcile_duration_seconds", "histogram", "Duration of successful reconcile passes.");
        for (int i = 0; i < AgentMetrics.DurationBuckets.Length; i++)
        {
            Sample(text, "ipvs_agent_reconcile_duration_seconds_bucket", $"le=\"{Number(AgentMetrics.DurationBuckets[i])}\"", cumulative[i]);
        }

        Sample(text, "ipvs_agent_reconcile_duration_seconds_bucket", "le=\"+Inf\"", cumulative[^1]);
        Sample(text, "ipvs_agent_reconcile_duration_seconds_sum", null, sum);
        Sample(text, "ipvs_agent_reconcile_duration_seconds_count", null, count);

        Header(text, "ipvs_agent_operations_total", "counter", "IPVS operations applied, by kind.");
        foreach (IpvsOperationKind kind in Enum.GetValues<IpvsOperationKind>())
        {
            Sample(text, "ipvs_agent_operations_total", $"kind=\"{kind}\"", metrics.Operations.GetValueOrDefault(kind));
        }

        Header(text, "ipvs_agent_errors_total", "counter", "Errors, by where they happened.");
        foreach (string kind in ErrorKinds.All)
        {
            Sample(text, "ipvs_agent_errors_total", $"kind=\"{kind}\"", metrics.Errors.GetValueOrDefault(kind));
        }

        Single(text, "ipvs_agent_drift_repairs_total", "counter", "Operations applied by periodic resyncs to undo changes made behind the agent's back.", metrics.DriftRepairs);
        Single(text, "ipvs_agent_conflicts", "gauge", "Desired services that collide with foreign kernel entries.", metrics.Conflicts);
        if (metrics.DockerConnected() is { } connected)
        {
            Single(text, "ipvs_agent_docker_connected", "gauge", "1 when the Docker engine is connected.", connected);
        }

        if (metrics.DnsQueries.Count > 0)
        {
            Header(text, "ipvs_agent_dns_queries_total", "counter", "DNS queries answered by the service-name responder, by response code.");
            foreach ((string code, long queries) in metrics.DnsQueries.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                Sample(text, "ipvs_agent_dns_queries_total", $"rcode=\"{code}\"", queries);
            }
        }

        Single(text, "ipvs_agent_last_successful_sync_timestamp_seconds", "gauge", "Unix time of the last successful reconcile pass.",
            metrics.LastSuccess is { } last ? last.ToUnixTimeMilliseconds() / 1000.0 : 0);
        WriteHealth(text, metrics.HealthTargets());
    }

    /// <summary>Per checked real server (labels <c>service</c>, <c>server</c> as <c>status</c> writes them) and per service; nothing when nothing is checked.</summary>
    private static void WriteHealth(StringBuilder text, IReadOnlyList<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> targets)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var ordered = targets
            .Select(entry => (Service: entry.Target.Service.ToString(), Labels: $"service=\"{entry.Target.Service}\",server=\"{entry.Target.Server}\"", entry.Health))
            .OrderBy(entry => entry.Service, StringComparer.Ordinal).ThenBy(entry => entry.Labels, StringComparer.Ordinal)
            .ToList();
        Header(text, "ipvs_agent_health_up", "gauge", "1 when the checked real server is up (serves), 0 when its check has taken it down.");
        ordered.ForEach(entry => Sample(text, "ipvs_agent_health_up", entry.Labels, entry.Health.Up ? 1 : 0));
        Header(text, "ipvs_agent_health_consecutive_failures", "gauge", "Checks of the real server failed in a row.");
        ordered.ForEach(entry => Sample(text, "ipvs_agent_health_consecutive_failures", entry.Labels, entry.Health.ConsecutiveFailures));
        Header(text, "ipvs_agent_health_check_duration_seconds", "gauge", "Duration of the real server's last check.");
        foreach (var entry in ordered.Where(entry => entry.Health.Last is not null))
        {
            Sample(text, "ipvs_agent_health_check_duration_seconds", entry.Labels, entry.Health.Last!.Duration.TotalSeconds);
        }

        Header(text, "ipvs_agent_health_servers_up", "gauge", "Checked real servers of the virtual service that are up.");
        foreach (var service in ordered.GroupBy(entry => entry.Service, StringComparer.Ordinal))
        {
            Sample(text, "ipvs_agent_health_servers_up", $"service=\"{service.Key}\"", service.Count(entry => entry.Health.Up));
        }
    }

    private static string BackendLabels(VirtualServiceKey service, RealServerKey server) =>
        $"{ServiceLabels(service)},remote_address=\"{server.Address}\",remote_port=\"{server.Port}\"";

    /// <summary>
    /// The service's labels exactly as node_exporter's ipvs collector writes them from /proc/net/ip_vs: an address
    /// service has its protocol (TCP, UDP, SCTP) and an empty mark; a firewall-mark service has proto "FWM", no
    /// address, port 0 and the mark as the kernel prints it there (%08X: <c>00000007</c>).
    /// </summary>
    private static string ServiceLabels(VirtualServiceKey service) => service.IsFirewallMark
        ? $"local_address=\"\",local_port=\"0\",local_mark=\"{service.FirewallMark.ToString("X8", CultureInfo.InvariantCulture)}\",proto=\"FWM\""
        : $"local_address=\"{service.Address}\",local_port=\"{service.Port}\",local_mark=\"\",proto=\"{VirtualServiceKey.ProtocolName(service.Protocol)}\"";

    private static void Single(StringBuilder text, string name, string type, string help, double value)
    {
        Header(text, name, type, help);
        Sample(text, name, null, value);
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string? labels, double value)
    {
        text.Append(name);
        if (labels is not null)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
