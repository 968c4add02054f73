using System.Diagnostics;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Health.Support;

namespace Ipvs.Integration.Tests.Health;

/// <summary>
/// Active HTTP and TCP checks of real servers in backend namespaces behind a VIP (issue 14): a killed backend leaves
/// the service before clients see it fail and comes back at its weight; a backend that accepts but never answers
/// fails an HTTP check and passes a TCP one. The kernel's table is read with ipvsadm, independently of the agent.
/// Detection times are printed beside their targets (fall × interval + one interval; rise × interval); only outcomes
/// are asserted, within waits sized for a loaded one-CPU lab.
/// </summary>
public sealed class HttpCheckLabTests(ITestOutputHelper output) : IDisposable
{
    private const string Vip = "10.99.0.10";
    private const string Service = "TCP 10.99.0.10:80";
    private const int Fall = 2;
    private const int Rise = 2;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-health-http-");

    private static string Backend(int index) => $"{DirectorNetwork.BackendAddress(index)}:8080";

    [Theory]
    [InlineData("weight0")]
    [InlineData("remove")]
    public async Task Run_HttpCheckedBackendKilledThenRestarted_OutWithoutFailedRequestsThenBackAtItsWeight(string onFailure)
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("health-http", backends: 2);
        Process killed = network.StartServer(0, HealthBackends.HttpServer);
        network.StartServer(1, HealthBackends.HttpServer);
        string services = _scratch.Write("services.yaml", $"""
            services:
              - name: web
                vip: {Vip}
                port: 80
                scheduler: rr
                check:
                  type: http
                  path: /healthz
                  status: 200-399
                  interval: 1s
                  timeout: 500ms
                  rise: {Rise}
                  fall: {Fall}
                  on-failure: {onFailure}
                servers:
                  - address: {Backend(0)}
                    weight: 3
                  - address: {Backend(1)}

            """);
        await using AgentProcess agent = HealthAgent.Start(network.Director, _scratch, services);
        await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 3 && weights.WeightOf(Backend(1)) == 1, HealthAgent.Converge, "both backends at their weights");
        HttpClientRun warm = await HealthBackends.WaitForAnswersAsync(network, Vip, ["backend0", "backend1"], HealthAgent.Converge);
        await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 3 && weights.WeightOf(Backend(1)) == 1, HealthAgent.Converge, "both backends at their weights once both answer");

        killed.Kill();
        await killed.WaitForExitAsync(TestContext.Current.CancellationToken);
        TimeSpan down = await KernelWeights.WaitAsync(agent, network.Director, Service,
            weights => onFailure == "remove" ? weights.WeightOf(Backend(0)) is null : weights.WeightOf(Backend(0)) == 0,
            HealthAgent.HealthChange, onFailure == "remove" ? "the killed backend0 removed from the service" : "the killed backend0 at weight 0");
        IReadOnlyDictionary<string, int> whileDown = await KernelWeights.ReadAsync(network.Director, Service);
        // status lists the kernel's servers: a removed one has no line to show its health on.
        string? status = onFailure == "remove" ? null
            : await HealthAgent.StatusShowingAsync(network.Director, _scratch, services, Backend(0), "down ", HealthAgent.HealthChange);
        HttpClientRun during = await HealthBackends.RunHttpClientAsync(network, Vip, 200, TimeSpan.FromSeconds(240));

        network.StartServer(0, HealthBackends.HttpServer);
        TimeSpan up = await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 3, HealthAgent.HealthChange, "the restarted backend0 back at weight 3");
        HttpClientRun after = await HealthBackends.RunHttpClientAsync(network, Vip, 20, TimeSpan.FromSeconds(120));

        output.WriteLine($"on-failure {onFailure}; before the kill: {warm}");
        output.WriteLine($"backend0 killed: {(onFailure == "remove" ? "removed" : "at weight 0")} after {down.TotalSeconds:0.0} s ({HealthAgent.Against(down, Interval * (Fall + 1))}, fall x interval + one interval); kernel then: {KernelWeights.Format(whileDown)}");
        output.WriteLine($"client loop after that: {during}");
        output.WriteLine(status is null ? "(status: the removed server has no line)" : $"ipvs-agent status while backend0 was down:\n{status}");
        output.WriteLine($"backend0 restarted: back at weight 3 after {up.TotalSeconds:0.0} s (rise x interval = {(Interval * Rise).TotalSeconds:0.0} s, plus python's start); then {after}");
        output.WriteLine(HealthAgent.HealthLines(agent));

        Assert.Equal(1, whileDown.WeightOf(Backend(1)));
        Assert.True(during.Requests >= 200 && during.Failed == 0, $"with backend0 out of the service, every request must be answered: {during}");
        Assert.Equal(during.Requests, during.AnsweredBy("backend1"));
        Assert.True(after.Failed == 0 && after.AnsweredBy("backend0") > 0, $"backend0 back at its weight must serve again: {after}");
    }

    [Fact]
    public async Task Run_PortAcceptsTcpButNeverAnswersHttp_HttpCheckFailsAndTcpCheckPasses()
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("health-hung", backends: 1);
        network.StartServer(0, HealthBackends.SilentServer);
        // The same server behind two VIPs: one checked by HTTP (starts up, must go down), one by TCP (starts down, must come up).
        string services = _scratch.Write("services.yaml", $"""
            services:
              - name: http-checked
                vip: 10.99.0.10
                port: 80
                check:
                  type: http
                  interval: 1s
                  timeout: 500ms
                  rise: {Rise}
                  fall: {Fall}
                servers:
                  - address: {Backend(0)}
              - name: tcp-checked
                vip: 10.99.0.11
                port: 80
                check:
                  type: tcp
                  interval: 1s
                  timeout: 500ms
                  rise: {Rise}
                  fall: {Fall}
                  start: down
                servers:
                  - address: {Backend(0)}

            """);
        const string TcpService = "TCP 10.99.0.11:80";
        await using AgentProcess agent = HealthAgent.Start(network.Director, _scratch, services);
        await KernelWeights.WaitAsync(agent, network.Director, TcpService, weights => weights.ContainsKey(Backend(0)), HealthAgent.Converge, "the tcp-checked service with its server");

        TimeSpan httpDown = await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 0, HealthAgent.HealthChange, "the HTTP-checked server at weight 0 (its port never answers HTTP)");
        TimeSpan tcpUp = await KernelWeights.WaitAsync(agent, network.Director, TcpService, weights => weights.WeightOf(Backend(0)) == 1, HealthAgent.HealthChange, "the TCP-checked server (start: down) at weight 1 (its port accepts)");

        // Several more rounds of both checks: neither flips back.
        await Task.Delay(Interval * 3 * (Fall + Rise), TestContext.Current.CancellationToken);
        IReadOnlyDictionary<string, int> http = await KernelWeights.ReadAsync(network.Director, Service);
        IReadOnlyDictionary<string, int> tcp = await KernelWeights.ReadAsync(network.Director, TcpService);

        output.WriteLine($"HTTP check: weight 0 after {httpDown.TotalSeconds:0.0} s; TCP check (start: down): weight 1 after {tcpUp.TotalSeconds:0.0} s more");
        output.WriteLine($"{(Interval * 3 * (Fall + Rise)).TotalSeconds:0} s later: {Service}: {KernelWeights.Format(http)}; {TcpService}: {KernelWeights.Format(tcp)}");
        output.WriteLine(HealthAgent.HealthLines(agent));
        Assert.Equal(0, http.WeightOf(Backend(0)));
        Assert.Equal(1, tcp.WeightOf(Backend(0)));
    }

    public void Dispose() => _scratch.Dispose();
}
