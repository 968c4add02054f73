using System.Globalization;
using Ipvs.Core.Model;
using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Netlink.Client;

/// <summary>
/// What the running kernel's IPVS understands, probed once per client. The IPVS netlink family never bumped its
/// version when it grew attributes, so the kernel release decides (first releases taken from the kernel's history).
/// </summary>
/// <param name="KernelRelease">As uname reports it, e.g. <c>6.1.0-13-amd64</c>.</param>
/// <param name="KernelVersion">Its numeric part.</param>
/// <param name="Info">IPVS_CMD_GET_INFO: the IPVS version and connection table size.</param>
/// <param name="Family">The IPVS generic netlink family as the controller described it.</param>
public sealed record IpvsFeatures(string KernelRelease, Version KernelVersion, IpvsInfo Info, GenericNetlinkFamily Family)
{
    public static readonly Version MixedAddressFamiliesSince = new(3, 18);
    public static readonly Version Statistics64Since = new(4, 1);
    public static readonly Version GueTunnelSince = new(5, 2);
    public static readonly Version GreTunnelSince = new(5, 3);

    /// <summary>Real servers of another address family than their service (tunnel only): IPVS_DEST_ATTR_ADDR_FAMILY.</summary>
    public bool MixedAddressFamilies => KernelVersion >= MixedAddressFamiliesSince;

    /// <summary>64-bit counters (IPVS_SVC_ATTR_STATS64 / IPVS_DEST_ATTR_STATS64).</summary>
    public bool Statistics64 => KernelVersion >= Statistics64Since;

    /// <summary>GUE encapsulation for tunnelled real servers (IPVS_DEST_ATTR_TUN_TYPE/PORT/FLAGS).</summary>
    public bool GueTunnel => KernelVersion >= GueTunnelSince;

    /// <summary>GRE encapsulation for tunnelled real servers.</summary>
    public bool GreTunnel => KernelVersion >= GreTunnelSince;

    /// <summary>Throws <see cref="IpvsFeatureNotSupportedException"/> when <paramref name="server"/> needs what this kernel lacks.</summary>
    public void EnsureSupported(in VirtualServiceKey service, in RealServer server)
    {
        if (server.Address.Family != service.Family && !MixedAddressFamilies)
        {
            throw new IpvsFeatureNotSupportedException(
                $"Real server {server.Key} of {service}: real servers of another address family", KernelRelease, MixedAddressFamiliesSince.ToString());
        }

        if (server.Method != ForwardingMethod.Tunnel)
        {
            return;
        }

        if (server.TunnelType == TunnelType.Gue && !GueTunnel)
        {
            throw new IpvsFeatureNotSupportedException($"Real server {server.Key} of {service}: GUE tunnels", KernelRelease, GueTunnelSince.ToString());
        }

        if (server.TunnelType == TunnelType.Gre && !GreTunnel)
        {
            throw new IpvsFeatureNotSupportedException($"Real server {server.Key} of {service}: GRE tunnels", KernelRelease, GreTunnelSince.ToString());
        }
    }

    /// <summary>The running kernel's release string (what <c>uname -r</c> prints).</summary>
    public static string ReadKernelRelease() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>The leading <c>major.minor[.patch]</c> of a release such as <c>6.1.176</c> or <c>5.10.0-20-amd64</c>.</summary>
    public static Version ParseKernelRelease(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        int end = 0;
        while (end < release.Length && (char.IsAsciiDigit(release[end]) || release[end] == '.'))
        {
            end++;
        }

        string[] parts = release[..end].Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new FormatException($"Kernel release '{release}' does not start with major.minor.");
        }

        int major = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int minor = int.Parse(parts[1], CultureInfo.InvariantCulture);
        int patch = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        return new Version(major, minor, patch);
    }
}
