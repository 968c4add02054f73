using System.Diagnostics;
using Ipvs.Integration.Tests.Agent;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Health.Support;

namespace Ipvs.Integration.Tests.Health;

/// <summary>
/// Issue 14's UDP case with a health check doing the removal: two UDP echo backends, each with a TCP port beside it
/// for the check (checks are TCP or HTTP), behind a UDP VIP with <c>on-failure: remove</c>. A client sends one
/// datagram every 100 ms from a fixed source port (<see cref="UdpFailoverLabTests.Client"/>); the backend answering it
/// dies (echo and check port together). Printed: the detection time (kill to removal in the kernel, against fall ×
/// interval) and the failover after it (removal to the other backend's first answer, against 1 s), and their sum.
/// </summary>
public sealed class UdpCheckFailoverLabTests(ITestOutputHelper output) : IDisposable
{
    private const string Service = "UDP 10.99.0.10:53";
    private const int Fall = 2;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-health-udp-");

    private static string Backend(int index) => $"{DirectorNetwork.BackendAddress(index)}:5300";

    [Fact]
    public async Task Run_AnsweringUdpServerFailsItsTcpCheckWithRemove_ClientReachesTheOtherServer()
    {
        await using DirectorNetwork network = await DirectorNetwork.CreateAsync("health-udp", backends: 2);
        Process[] servers = [network.StartServer(0, HealthBackends.UdpEchoWithCheckPort), network.StartServer(1, HealthBackends.UdpEchoWithCheckPort)];
        string services = _scratch.Write("services.yaml", $"""
            services:
              - name: dns
                vip: 10.99.0.10
                port: 53
                protocol: udp
                scheduler: rr
                check:
                  type: tcp
                  port: 9000
                  interval: 1s
                  timeout: 500ms
                  rise: 2
                  fall: {Fall}
                  on-failure: remove
                servers:
                  - address: {Backend(0)}
                  - address: {Backend(1)}

            """);
        await using AgentProcess agent = HealthAgent.Start(network.Director, _scratch, services);
        await agent.EventuallyAsync(async () => (await network.Director.RunAsync("ip", "-o", "addr", "show")).Contains("10.99.0.10/32", StringComparison.Ordinal), HealthAgent.Converge, "the VIP 10.99.0.10 on the director");
        await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 1 && weights.WeightOf(Backend(1)) == 1, HealthAgent.Converge, "both UDP servers in the service");

        using Process client = DirectorNetwork.StartPython(network.Client.Name, UdpFailoverLabTests.Client, "10.99.0.10", "53", "300");
        try
        {
            _ = await UdpFailoverLabTests.NextAnswerAsync(client, _ => true, HealthAgent.Converge)
                ?? throw new InvalidOperationException($"the client got no answer within {HealthAgent.Converge.TotalSeconds:0} s; kernel: {KernelWeights.Format(await KernelWeights.ReadAsync(network.Director, Service))}");
            // The python backends may have started after their first checks (then removed and risen again): wait for
            // both in the service, then take as the flow's server the first answer read after 1.5 s of reading (the
            // buffered ones are read at once, a live one comes every 100 ms). The reader is never cancelled mid-line.
            await KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(0)) == 1 && weights.WeightOf(Backend(1)) == 1, HealthAgent.Converge, "both UDP servers in the service once the client is answered");
            var reading = Stopwatch.StartNew();
            (double lastAt, string answering) = await UdpFailoverLabTests.NextAnswerAsync(client, _ => reading.Elapsed > TimeSpan.FromSeconds(1.5), HealthAgent.Converge)
                ?? throw new InvalidOperationException($"the client was answered before, and then not for {HealthAgent.Converge.TotalSeconds:0} s; kernel: {KernelWeights.Format(await KernelWeights.ReadAsync(network.Director, Service))}");
            int failing = answering == "backend0" ? 0 : 1;
            string other = failing == 0 ? "backend1" : "backend0";

            var clock = Stopwatch.StartNew();
            servers[failing].Kill();
            Task<TimeSpan> removal = KernelWeights.WaitAsync(agent, network.Director, Service, weights => weights.WeightOf(Backend(failing)) is null, HealthAgent.HealthChange, $"{answering} (killed) removed from the service");
            (double At, string Name)? moved = await UdpFailoverLabTests.NextAnswerAsync(client, answer => answer.Name == other, HealthAgent.HealthChange);
            TimeSpan failover = clock.Elapsed;
            TimeSpan detected = await removal;

            TimeSpan afterRemoval = failover - detected;
            output.WriteLine($"{answering} answered the client (last at client time {lastAt:0.000} s) and was killed, echo and check port together");
            output.WriteLine($"detection: removed from the kernel {detected.TotalSeconds:0.00} s after the kill ({HealthAgent.Against(detected, Interval * (Fall + 1))}: fall x interval + one interval)");
            output.WriteLine(moved is { } answer
                ? $"failover: {other} answered {failover.TotalSeconds:0.00} s after the kill (client time {answer.At:0.000} s), {afterRemoval.TotalSeconds:0.00} s after the removal was seen ({HealthAgent.Against(afterRemoval, TimeSpan.FromSeconds(1))}); "
                    + $"total against 1 s + fall x interval: {HealthAgent.Against(failover, TimeSpan.FromSeconds(1) + (Interval * Fall))}"
                : $"failover: {other} did not answer within {HealthAgent.HealthChange.TotalSeconds:0} s");
            output.WriteLine(HealthAgent.HealthLines(agent));
            output.WriteLine(string.Join('\n', agent.Output.Split('\n').Where(line => line.Contains("conntrack", StringComparison.Ordinal))));
            Assert.True(moved is not null, $"the client was not answered by {other} within {HealthAgent.HealthChange.TotalSeconds:0} s of killing {answering}. Agent:\n{agent.Output}");
        }
        finally
        {
            client.Kill();
        }
    }

    public void Dispose() => _scratch.Dispose();
}
