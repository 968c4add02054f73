using System.Diagnostics;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Health.Support;

/// <summary>
/// The real servers of one virtual service and their weights as <c>ipvsadm -Sn</c> shows them: the kernel's word, read
/// by a tool independent of the agent's netlink client (parsed by the same parser as <see cref="IpvsadmTable"/>).
/// </summary>
internal static class KernelWeights
{
    /// <summary>Real server ("10.1.1.2:8080") to weight, for the service <paramref name="service"/> ("TCP 10.99.0.10:80").</summary>
    public static async Task<IReadOnlyDictionary<string, int>> ReadAsync(LabNamespace director, string service)
    {
        IpvsadmTable table = IpvsadmTable.Parse(await director.RunAsync("ipvsadm", "-Sn"));
        return table.RealServers.Where(entry => entry.Service.ToString() == service)
            .ToDictionary(entry => entry.Server.Key.ToString(), entry => entry.Server.Weight);
    }

    public static string Format(IReadOnlyDictionary<string, int>? weights) =>
        weights is null ? "(not read yet)"
        : weights.Count == 0 ? "no real servers"
        : string.Join(", ", weights.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} w{pair.Value}"));

    /// <summary>
    /// Polls the kernel until <paramref name="condition"/> holds for <paramref name="service"/>'s weights and returns
    /// how long that took; fails naming what was awaited, for how long, the weights last seen and the agent's output.
    /// </summary>
    public static async Task<TimeSpan> WaitAsync(
        AgentProcess agent, LabNamespace director, string service, Func<IReadOnlyDictionary<string, int>, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, int>? seen = null;
        while (true)
        {
            seen = await ReadAsync(director, service);
            if (condition(seen))
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed > timeout || agent.HasExited)
            {
                Assert.Fail($"{what}: not seen within {timeout.TotalSeconds:0} s ({clock.Elapsed.TotalSeconds:0.0} s waited); "
                    + $"ipvsadm -Sn last showed {service}: {Format(seen)}; agent {(agent.HasExited ? "exited" : "running")}. Agent output:\n{agent.Output}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The weight of <paramref name="server"/>, or null when the kernel does not list it.</summary>
    public static int? WeightOf(this IReadOnlyDictionary<string, int> weights, string server) =>
        weights.TryGetValue(server, out int weight) ? weight : null;
}
