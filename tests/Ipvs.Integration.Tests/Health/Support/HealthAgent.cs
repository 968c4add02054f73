using System.Diagnostics;
using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Health.Support;

/// <summary>The daemon as the health-check lab tests run it: a static services file, no Docker, VIPs in 10.99.0.0/24.</summary>
internal static class HealthAgent
{
    /// <summary>The daemon's start, its first pass and the python backends' start in a loaded lab: 40-50 s were seen on a busy host.</summary>
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(180);

    /// <summary>A health change seen in the kernel: 2-4 s is the design, but a restarted python backend took 51 s and 116 s to be back on a busy host.</summary>
    public static readonly TimeSpan HealthChange = TimeSpan.FromSeconds(240);

    /// <summary>
    /// Starts <c>ipvs-agent run</c> in <paramref name="director"/>. The resync is 5 s, not 1 s: a check that changes a
    /// server's health asks for a pass itself, and a one-CPU guest has better things to do than re-read the table.
    /// </summary>
    public static AgentProcess Start(LabNamespace director, ScratchDirectory scratch, string services, params string[] extra) =>
        AgentProcess.Start(director.Name, [
            "--services", services, "--resync-interval", "5s", "--state-dir", scratch.StateDir,
            "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker", "--metrics-address", "off", .. extra]);

    /// <summary>The agent's log lines about health ("Health: ... is down", passes for Health), not the test directories named health.</summary>
    public static string HealthLines(AgentProcess agent) =>
        string.Join('\n', agent.Output.Split('\n').Where(line => line.Contains("Health", StringComparison.Ordinal)));

    /// <summary>
    /// Runs <c>ipvs-agent status</c> beside the daemon until the line of <paramref name="server"/> contains
    /// <paramref name="expected"/> (the daemon saves health.json at most once a second); returns the whole output. Fails
    /// naming what was awaited, for how long, and the last output.
    /// </summary>
    public static async Task<string> StatusShowingAsync(LabNamespace director, ScratchDirectory scratch, string services, string server, string expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            BufferedCommandResult status = await AgentProcess.RunOnceAsync(director.Name,
                "status", "--services", services, "--state-dir", scratch.StateDir, "--no-docker", "--allowed-vip-cidr", "10.99.0.0/24");
            string text = status.StandardOutput + status.StandardError;
            if (text.Split('\n').Any(line => line.Contains(server, StringComparison.Ordinal) && line.Contains(expected, StringComparison.Ordinal)))
            {
                return text;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"ipvs-agent status showing \"{expected}\" on the line of {server}: not seen within {timeout.TotalSeconds:0} s; the last status (exit {status.ExitCode}):\n{text}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>"met" or "missed", for a figure printed beside its target (never asserted: the lab's speed varies).</summary>
    public static string Against(TimeSpan measured, TimeSpan target) =>
        $"target <= {target.TotalSeconds:0.0} s: {(measured <= target ? "met" : "missed")}";
}
