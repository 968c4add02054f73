using Ipvs.Netlink;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Ipvs;
using Serilog;

namespace Ipvs.Agent.Hosting;

/// <summary>
/// The IPVS connection timeouts from the config (<c>ipvsTcpTimeout</c>, <c>ipvsTcpFinTimeout</c>,
/// <c>ipvsUdpTimeout</c>), set at start through IPVS_CMD_SET_CONFIG and each reported like the sysctls. The kernel's
/// 900 s TCP idle timeout silently cuts long-lived idle connections through a VIP (moby#31208, moby#37822).
/// </summary>
internal static class IpvsTimeoutTuning
{
    /// <summary>Sets the configured timeouts (none when nothing is configured); returns one line per timeout.</summary>
    public static IReadOnlyList<string> Apply(IpvsClient client, IpvsTimeouts wanted, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<string> report;
        try
        {
            IpvsTimeouts before = client.GetTimeouts();
            if (wanted != default)
            {
                client.SetTimeouts(wanted);
            }

            report = Describe(wanted, before, wanted == default ? before : client.GetTimeouts());
        }
        catch (NetlinkException exception)
        {
            log.Warning("IPVS timeouts {Wanted} could not be set: {Error}", Format(wanted), exception.Message);
            return [$"IPVS timeouts {Format(wanted)} could not be set: {exception.Message}"];
        }

        foreach (string line in report)
        {
            log.Information("{Timeout}", line);
        }

        return report;
    }

    /// <summary>One line per timeout: what it is now and, when configured, what it was.</summary>
    public static IReadOnlyList<string> Describe(IpvsTimeouts wanted, IpvsTimeouts before, IpvsTimeouts after) =>
    [
        Line("tcp", wanted.TcpSeconds, before.TcpSeconds, after.TcpSeconds),
        Line("tcpfin", wanted.TcpFinSeconds, before.TcpFinSeconds, after.TcpFinSeconds),
        Line("udp", wanted.UdpSeconds, before.UdpSeconds, after.UdpSeconds),
    ];

    /// <summary>The three timeouts in ipvsadm's order and units: <c>tcp 900 s, tcpfin 120 s, udp 300 s</c> (0 = unchanged).</summary>
    public static string Format(IpvsTimeouts timeouts) =>
        $"tcp {timeouts.TcpSeconds} s, tcpfin {timeouts.TcpFinSeconds} s, udp {timeouts.UdpSeconds} s";

    private static string Line(string name, uint wanted, uint before, uint after) =>
        wanted == 0 ? $"IPVS timeout {name} = {after} s (not configured: the kernel's)"
        : after != wanted ? $"IPVS timeout {name} = {after} s, not the configured {wanted} s (the kernel kept its own)"
        : before == after ? $"IPVS timeout {name} = {after} s (already)"
        : $"IPVS timeout {name} = {after} s (was {before} s)";
}
