using Ipvs.Agent.Metrics;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Engine;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Metrics;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Render_KernelTable_UsesNodeExporterNamesAndLabels()
    {
        var metrics = new AgentMetrics();
        var status = new RealServerConnections(7, 3, 0);
        var service = new KernelService(Service("10.99.0.10"), new ServiceStatus(new IpvsStatistics(42, 1, 2, 3, 4, 0, 0, 0, 0, 0)),
            [new KernelRealServer(Server("10.1.1.2", weight: 5), status)]);
        metrics.SetKernelTable(KernelTable.Create([service]), OwnershipRecord.Empty);

        string text = PrometheusText.Render(metrics);

        const string Labels = "local_address=\"10.99.0.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"10.1.1.2\",remote_port=\"8080\"";
        Assert.Contains($"node_ipvs_backend_connections_active{{{Labels}}} 7\n", text, StringComparison.Ordinal);
        Assert.Contains($"node_ipvs_backend_connections_inactive{{{Labels}}} 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"node_ipvs_backend_weight{{{Labels}}} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("node_ipvs_connections_total 42\n", text, StringComparison.Ordinal);
        Assert.Contains("node_ipvs_outgoing_bytes_total 4\n", text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> ServiceKinds => new()
    {
        { "FWM 7", "local_address=\"\",local_port=\"0\",local_mark=\"00000007\",proto=\"FWM\"" },
        { "FWM 255 IPv6", "local_address=\"\",local_port=\"0\",local_mark=\"000000FF\",proto=\"FWM\"" },
        { "TCP 10.99.0.10:80", "local_address=\"10.99.0.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\"" },
        { "UDP [fd00::10]:53", "local_address=\"fd00::10\",local_port=\"53\",local_mark=\"\",proto=\"UDP\"" },
        { "SCTP 10.99.0.10:3868", "local_address=\"10.99.0.10\",local_port=\"3868\",local_mark=\"\",proto=\"SCTP\"" },
    };

    /// <summary>node_exporter's ipvs collector reads /proc/net/ip_vs, where the kernel prints a mark as %08X and a mark service has no address and port 0.</summary>
    [Theory]
    [MemberData(nameof(ServiceKinds))]
    public void Render_EveryServiceKind_LabelsAsNodeExporter(string key, string serviceLabels)
    {
        var metrics = new AgentMetrics();
        var service = new KernelService(VirtualService.Create(KeyText.ParseServiceKey(key), "wlc"), default,
            [new KernelRealServer(Server("10.1.1.2", weight: 5), new RealServerConnections(7, 3, 0))]);
        metrics.SetKernelTable(KernelTable.Create([service]), OwnershipRecord.Empty);

        string text = PrometheusText.Render(metrics);

        Assert.Contains($"node_ipvs_backend_weight{{{serviceLabels},remote_address=\"10.1.1.2\",remote_port=\"8080\"}} 5\n", text, StringComparison.Ordinal);
        Assert.Contains($"ipvs_agent_service_connections_total{{{serviceLabels}}} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AgentCounters_AreExposed()
    {
        var metrics = new AgentMetrics();
        metrics.RecordOperation(IpvsOperationKind.AddServer, drift: true);
        metrics.RecordSuccess(TimeSpan.FromMilliseconds(3), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        metrics.RecordError(ErrorKinds.Operation);
        metrics.RecordError(ErrorKinds.SourceNat);

        string text = PrometheusText.Render(metrics);

        Assert.Contains("ipvs_agent_operations_total{kind=\"AddServer\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_drift_repairs_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_errors_total{kind=\"operation\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_errors_total{kind=\"source_nat\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_errors_total{kind=\"vip\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_reconcile_duration_seconds_bucket{le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_last_successful_sync_timestamp_seconds 1700000000\n", text, StringComparison.Ordinal);
    }

    private static readonly DateTimeOffset At = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);

    private static (HealthTarget, HealthCheck, ServerHealth) Checked(string vip, string server, bool up, int failures, double? seconds) =>
        (new HealthTarget(Tcp(vip), Server(server).Key), HealthCheck.Of(HealthCheckKind.Http),
            new ServerHealth(up, At, up ? 1 : 0, failures, seconds is { } duration ? new CheckResult(up, "HTTP 200", TimeSpan.FromSeconds(duration), At) : null));

    [Fact]
    public void Render_CheckedServers_GivesHealthPerServerAndServersUpPerService()
    {
        var metrics = new AgentMetrics
        {
            HealthTargets = () => [Checked("10.99.0.10", "10.1.1.3", false, 4, 2.0), Checked("10.99.0.10", "10.1.1.2", true, 0, 0.015), Checked("10.99.0.11", "10.1.1.4", true, 0, null)],
        };

        string text = PrometheusText.Render(metrics);

        const string Second = "service=\"TCP 10.99.0.10:80\",server=\"10.1.1.3:8080\"";
        const string First = "service=\"TCP 10.99.0.10:80\",server=\"10.1.1.2:8080\"";
        Assert.Contains("# TYPE ipvs_agent_health_up gauge\n", text, StringComparison.Ordinal);
        Assert.Contains($"ipvs_agent_health_up{{{First}}} 1\nipvs_agent_health_up{{{Second}}} 0\n", text, StringComparison.Ordinal);
        Assert.Contains($"ipvs_agent_health_consecutive_failures{{{Second}}} 4\n", text, StringComparison.Ordinal);
        Assert.Contains($"ipvs_agent_health_check_duration_seconds{{{First}}} 0.015\n", text, StringComparison.Ordinal);
        Assert.Contains($"ipvs_agent_health_check_duration_seconds{{{Second}}} 2\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ipvs_agent_health_check_duration_seconds{service=\"TCP 10.99.0.11:80\"", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_health_servers_up{service=\"TCP 10.99.0.10:80\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ipvs_agent_health_servers_up{service=\"TCP 10.99.0.11:80\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ServerNoLongerChecked_HasNoSeriesAtTheNextScrape()
    {
        List<(HealthTarget, HealthCheck, ServerHealth)> checkedNow = [Checked("10.99.0.10", "10.1.1.2", true, 0, 0.01)];
        var metrics = new AgentMetrics { HealthTargets = () => checkedNow };
        Assert.Contains("ipvs_agent_health_up{", PrometheusText.Render(metrics), StringComparison.Ordinal);

        checkedNow = [];
        string text = PrometheusText.Render(metrics);

        Assert.DoesNotContain("ipvs_agent_health", text, StringComparison.Ordinal);
    }
}
