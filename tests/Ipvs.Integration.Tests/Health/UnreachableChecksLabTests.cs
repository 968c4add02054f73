using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Health.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Health;

/// <summary>
/// Issue 14's bad-input case: 1k health checks against addresses that never answer (routed into a dummy link inside
/// the test's namespace, where every packet vanishes, so each check waits its whole timeout) must not hold up the
/// reconcile passes of other services. The same table is measured with and without the checks: edits of another
/// service's weight, each from the file write to the kernel, and the pass times the daemon logs at debug level.
/// Printed; the asserted outcomes are that every edit converges and that all 1k checks did fail.
/// </summary>
public sealed partial class UnreachableChecksLabTests(ITestOutputHelper output) : IDisposable
{
    private const int Unreachable = 1000;
    private const int Edits = 5;
    private const string WebService = "TCP 10.99.0.20:80";
    private const string WebServer = "10.1.1.2:8080";
    private const string DeadService = "TCP 10.99.0.30:80";

    /// <summary>A file edit reaches the kernel in one poll of the file (2 s) and one pass; 90 s covers a saturated one-CPU guest.</summary>
    private static readonly TimeSpan EditConverges = TimeSpan.FromSeconds(90);

    /// <summary>1k checks, 64 at a time, each holding its slot for the 500 ms timeout: about 16 s for two rounds on a quiet machine.</summary>
    private static readonly TimeSpan AllChecksFail = TimeSpan.FromSeconds(300);

    private readonly ScratchDirectory _scratch = new("ipvs-agent-health-dead-");

    [Fact]
    public async Task Run_ThousandChecksOfUnreachableServers_OtherServiceEditsStillConverge()
    {
        await using LabNamespace director = await LabNamespace.CreateAsync("health-dead");
        await director.RunAsync("ip", "link", "add", "deadnet", "type", "dummy");
        await director.RunAsync("ip", "link", "set", "deadnet", "up");
        await director.RunAsync("ip", "route", "add", "10.200.0.0/16", "dev", "deadnet");
        string file = _scratch.Write("services.yaml", Services(webWeight: 1, checks: false));
        await using AgentProcess agent = HealthAgent.Start(director, _scratch, file, "--log-level", "debug");
        await KernelWeights.WaitAsync(agent, director, DeadService, weights => weights.Count == Unreachable, TimeSpan.FromSeconds(120), $"the service of {Unreachable} unreachable servers in the kernel");
        await KernelWeights.WaitAsync(agent, director, WebService, weights => weights.WeightOf(WebServer) == 1, TimeSpan.FromSeconds(60), "the web service");

        Phase without = await EditAsync(agent, director, file, checks: false, firstWeight: 2);

        await File.WriteAllTextAsync(file, Services(webWeight: 1 + Edits, checks: true), TestContext.Current.CancellationToken);
        TimeSpan allDown = await KernelWeights.WaitAsync(agent, director, DeadService,
            weights => weights.Count == Unreachable && weights.Values.All(weight => weight == 0), AllChecksFail, $"all {Unreachable} unreachable servers at weight 0 after failing their checks");
        Phase with = await EditAsync(agent, director, file, checks: true, firstWeight: 2 + Edits);

        string figures = $"{Unreachable} checks (tcp, interval 1s, timeout 500ms, fall 2) into a dummy link: all at weight 0 {allDown.TotalSeconds:0.0} s after they were declared\n{without}\n{with}";
        output.WriteLine(figures);

        // The run's figures also go to the lab log, where the test output is shown only on a failure.
        Console.Error.WriteLine(figures);
        output.WriteLine(HealthAgent.HealthLines(agent).Split('\n').Length + " agent log lines about health; the first: "
            + HealthAgent.HealthLines(agent).Split('\n').FirstOrDefault());
        Assert.True(without.Passes.Count > 0 && with.Passes.Count > 0,
            $"the daemon logged no pass times at debug level (without the checks {without.Passes.Count}, with {with.Passes.Count}). Agent output:\n{agent.Output}");
        Assert.Equal(Edits, with.EditToKernel.Count);
    }

    /// <summary>Five edits of the web service's weight, each awaited in the kernel; the pass times logged meanwhile and the agent's CPU.</summary>
    private static async Task<Phase> EditAsync(AgentProcess agent, LabNamespace director, string file, bool checks, int firstWeight)
    {
        int logStart = agent.Output.Length;
        long cpuStart = CpuTicks(agent.ProcessId);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var latencies = new List<TimeSpan>();
        for (int weight = firstWeight; weight < firstWeight + Edits; weight++)
        {
            await File.WriteAllTextAsync(file, Services(weight, checks), TestContext.Current.CancellationToken);
            int wanted = weight;
            latencies.Add(await KernelWeights.WaitAsync(agent, director, WebService, weights => weights.WeightOf(WebServer) == wanted, EditConverges,
                $"the web server at weight {wanted} after a file edit ({(checks ? "with" : "without")} the {Unreachable} checks)"));
        }

        var passes = PassLine().Matches(agent.Output[logStart..])
            .Select(match => new Pass(match.Groups["kind"].Value, match.Groups["reasons"].Value, int.Parse(match.Groups["operations"].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture)))
            .ToList();
        return new Phase(checks ? $"with {Unreachable} failing checks" : "without checks", latencies, passes, (CpuTicks(agent.ProcessId) - cpuStart) / 100.0, wall.Elapsed);
    }

    private static string Services(int webWeight, bool checks)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            services:
              - name: web
                vip: 10.99.0.20
                port: 80
                servers:
                  - address: {WebServer}
                    weight: {webWeight}
              - name: dead
                vip: 10.99.0.30
                port: 80

            """));
        if (checks)
        {
            text.Append("""
                    check:
                      type: tcp
                      interval: 1s
                      timeout: 500ms
                      rise: 2
                      fall: 2

                """);
        }

        text.Append("    servers:\n");
        for (int index = 0; index < Unreachable; index++)
        {
            text.Append(CultureInfo.InvariantCulture, $"      - address: 10.200.{index / 250}.{(index % 250) + 1}:80\n");
        }

        return text.ToString();
    }

    /// <summary>utime + stime of <paramref name="pid"/> in clock ticks (1/100 s), fields 14 and 15 of /proc/PID/stat.</summary>
    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(?<kind>Full|Scoped) pass \((?<reasons>[^)]*)\): (?<operations>\d+) operations in (?<ms>[0-9.]+) ms")]
    private static partial Regex PassLine();

    public void Dispose() => _scratch.Dispose();

    private sealed record Pass(string Kind, string Reasons, int Operations, double Milliseconds);

    private sealed record Phase(string Name, IReadOnlyList<TimeSpan> EditToKernel, IReadOnlyList<Pass> Passes, double CpuSeconds, TimeSpan Wall)
    {
        public override string ToString()
        {
            static string Spread(IEnumerable<double> values)
            {
                double[] sorted = [.. values.Order()];
                return sorted.Length == 0 ? "none" : $"{sorted.Length}, median {sorted[sorted.Length / 2]:0.0} ms, max {sorted[^1]:0.0} ms";
            }

            return $"{Name}: edit to kernel {string.Join(" ", EditToKernel.Select(latency => $"{latency.TotalSeconds:0.00}"))} s (the file is polled every 2 s); "
                + $"passes for an edit: {Spread(Passes.Where(pass => pass.Reasons.Contains("SourceChanged", StringComparison.Ordinal)).Select(pass => pass.Milliseconds))}; "
                + $"full passes: {Spread(Passes.Where(pass => pass.Kind == "Full").Select(pass => pass.Milliseconds))}; "
                + $"all passes: {Spread(Passes.Select(pass => pass.Milliseconds))}; agent CPU {CpuSeconds:0.0} s in {Wall.TotalSeconds:0.0} s";
        }
    }
}
