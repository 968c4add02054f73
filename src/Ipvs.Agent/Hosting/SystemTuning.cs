using Serilog;

namespace Ipvs.Agent.Hosting;

/// <summary>
/// The sysctls IPVS needs, set through /proc/sys at start and each reported: forwarding for NAT, conntrack so NAT
/// replies are tracked, expire_nodest_conn so connections to a deleted real server fail fast instead of hanging,
/// expire_quiescent_template so a persistence template pointing at a weight-0 server expires and the client is scheduled
/// afresh (without it a drain of a persistent service never finishes while the client keeps coming), and
/// conn_reuse_mode chosen by kernel version (before 5.9, mode 1 with conntrack stalled reused ports for a second).
/// </summary>
internal static class SystemTuning
{
    public static readonly Version ConnectionReuseFixedSince = new(5, 9);

    public static IReadOnlyList<(string Name, string Value)> Wanted(Version kernel) =>
    [
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv4.vs.conntrack", "1"),
        ("net.ipv4.vs.expire_nodest_conn", "1"),
        ("net.ipv4.vs.expire_quiescent_template", "1"),
        ("net.ipv4.vs.conn_reuse_mode", kernel >= ConnectionReuseFixedSince ? "1" : "0"),
    ];

    /// <summary>Sets each sysctl that differs; returns one line per sysctl saying what it was and what it is.</summary>
    public static IReadOnlyList<string> Apply(Version kernel, ILogger log, string procSys = "/proc/sys")
    {
        ArgumentNullException.ThrowIfNull(log);
        var report = new List<string>();
        foreach ((string name, string value) in Wanted(kernel))
        {
            string path = Path.Combine(procSys, name.Replace('.', '/'));
            try
            {
                string current = File.ReadAllText(path).Trim();
                if (current == value)
                {
                    report.Add($"sysctl {name} = {value} (already)");
                    continue;
                }

                File.WriteAllText(path, value);
                report.Add($"sysctl {name} = {value} (was {current})");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                report.Add($"sysctl {name} could not be set to {value}: {exception.Message}");
                log.Warning("sysctl {Name} could not be set to {Value}: {Error}", name, value, exception.Message);
                continue;
            }
        }

        foreach (string line in report)
        {
            log.Information("{Sysctl}", line);
        }

        return report;
    }
}
