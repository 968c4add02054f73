using System.Diagnostics;

namespace Ipvs.Integration.Tests.Support;

/// <summary>
/// Debian's dnsmasq as a real upstream resolver for the agent's DNS tests: on <see cref="Address"/>:53 in a network
/// namespace, answering one host record (<see cref="HostName"/> → <see cref="HostAddress"/>) and nothing else.
/// </summary>
internal static class LabDnsmasq
{
    public const string Address = "127.0.0.2";
    public const string HostName = "host.upstream.lab";
    public const string HostAddress = "192.0.2.7";

    /// <summary>Starts it in <paramref name="netns"/>; the caller kills it.</summary>
    public static Process Start(string netns)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", netns, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", $"--listen-address={Address}",
            "--bind-interfaces", "--user=root", "--pid-file=", $"--host-record={HostName},{HostAddress}"])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
    }
}
