using System.Diagnostics;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Health.Support;

namespace Ipvs.Integration.Tests.Health;

/// <summary>
/// The sorry server (issue 14's <c>fallback:</c>): in the kernel and answering only while every checked server of
/// its service is down, gone again once one recovers. Read with ipvsadm; answers seen through the VIP.
/// </summary>
public sealed class FallbackLabTests(ITestOutputHelper output) : IDisposable
{
    private const string Vip = "10.99.0.10";
    private const string Service = "TCP 10.99.0.10:80";

    private readonly ScratchDirectory _scratch = new("ipvs-agent-health-fallback-");

    private static string Backend(int index) => $"{DirectorNetwork.BackendAddress(index)}:8080";

    [Fact]
    public async Task Run_AllServersFailThenOneRecovers_FallbackAddedAndAnswersThenRemoved()
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("health-sorry", backends: 3);
        Process[] servers = [network.StartServer(0, HealthBackends.HttpServer), network.StartServer(1, HealthBackends.HttpServer)];
        network.StartServer(2, HealthBackends.HttpServer);
        for (int backend = 0; backend < 3; backend++)
        {
            // The agent checks at once: a backend still starting would take the fallback in before the test begins.
            await network.WaitListeningAsync(backend, 8080, HealthAgent.Converge);
        }

        string fallback = Backend(2);
        string services = _scratch.Write("services.yaml", $"""
            services:
              - name: web
                vip: {Vip}
                port: 80
                scheduler: rr
                check:
                  type: http
                  path: /healthz
                  interval: 1s
                  timeout: 500ms
                  rise: 2
                  fall: 2
                fallback:
                  address: {fallback}
                  weight: 1
                servers:
                  - address: {Backend(0)}
                  - address: {Backend(1)}

            """);
        await using AgentProcess agent = HealthAgent.Start(network.Director, _scratch, services);
        await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 1 && weights.WeightOf(Backend(1)) == 1, HealthAgent.Converge, "both servers at weight 1");
        HttpClientRun healthy = await HealthBackends.WaitForAnswersAsync(network, Vip, ["backend0", "backend1"], HealthAgent.Converge);
        IReadOnlyDictionary<string, int> before = await KernelWeights.ReadAsync(network.Director, Service);

        foreach (Process server in servers)
        {
            server.Kill();
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        TimeSpan added = await KernelWeights.WaitAsync(agent, network.Director, Service,
            weights => weights.WeightOf(fallback) == 1 && weights.WeightOf(Backend(0)) == 0 && weights.WeightOf(Backend(1)) == 0,
            HealthAgent.HealthChange, "the fallback at weight 1 beside both killed servers at weight 0");
        HttpClientRun sorry = await HealthBackends.RunHttpClientAsync(network, Vip, 20, TimeSpan.FromSeconds(120));
        string status = await HealthAgent.StatusShowingAsync(network.Director, _scratch, services, fallback, "fallback", HealthAgent.HealthChange);

        network.StartServer(0, HealthBackends.HttpServer);
        TimeSpan removed = await KernelWeights.WaitAsync(agent, network.Director, Service,
            weights => weights.WeightOf(Backend(0)) == 1 && weights.WeightOf(fallback) is null,
            HealthAgent.HealthChange, "backend0 (restarted) back at weight 1 and the fallback removed");
        IReadOnlyDictionary<string, int> recovered = await KernelWeights.ReadAsync(network.Director, Service);
        HttpClientRun back = await HealthBackends.RunHttpClientAsync(network, Vip, 20, TimeSpan.FromSeconds(120));

        output.WriteLine($"healthy: {KernelWeights.Format(before)}; {healthy}");
        output.WriteLine($"both servers killed: fallback added after {added.TotalSeconds:0.0} s; {sorry}");
        output.WriteLine($"ipvs-agent status while the fallback served:\n{status}");
        output.WriteLine($"backend0 restarted: fallback removed after {removed.TotalSeconds:0.0} s; kernel: {KernelWeights.Format(recovered)}; {back}");
        output.WriteLine(HealthAgent.HealthLines(agent));

        Assert.Null(before.WeightOf(fallback));
        Assert.True(sorry.Failed == 0 && sorry.AnsweredBy("backend2") == sorry.Requests, $"with both servers down the fallback (backend2) must answer every request: {sorry}");
        Assert.Equal(0, recovered.WeightOf(Backend(1)));
        Assert.True(back.Failed == 0 && back.AnsweredBy("backend0") == back.Requests, $"once backend0 recovered it alone must answer: {back}");
    }

    public void Dispose() => _scratch.Dispose();
}
