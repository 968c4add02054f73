namespace Ipvs.Core.Model;

/// <summary>The configuration of a virtual service: what the planner compares. Counters live in <see cref="ServiceStatus"/>.</summary>
/// <param name="Key">Identity.</param>
/// <param name="Scheduler">Scheduler module name without the <c>ip_vs_</c> prefix: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh.</param>
/// <param name="Flags">Service flags; <see cref="ServiceFlags.Hashed"/> is the kernel's own and ignored by comparisons.</param>
/// <param name="TimeoutSeconds">Persistence timeout; meaningful with <see cref="ServiceFlags.Persistent"/>.</param>
/// <param name="NetmaskPrefix">Persistence granularity as a prefix length: 32 (IPv4) or 128 (IPv6) means per client address.</param>
/// <param name="PersistenceEngine">Persistence engine name (e.g. <c>sip</c>), or null.</param>
public readonly record struct VirtualService(
    VirtualServiceKey Key,
    string Scheduler,
    ServiceFlags Flags,
    uint TimeoutSeconds,
    byte NetmaskPrefix,
    string? PersistenceEngine)
{
    public const string DefaultScheduler = "wlc";

    /// <summary>A service as ipvsadm creates one by default: wlc, no persistence, full netmask.</summary>
    public static VirtualService Create(VirtualServiceKey key, string scheduler = DefaultScheduler) =>
        new(key, scheduler, ServiceFlags.None, 0, FullPrefix(key.Family), null);

    public static byte FullPrefix(IpFamily family) => family == IpFamily.V6 ? (byte)128 : (byte)32;

    /// <summary>True when both describe the same configuration, ignoring the kernel-owned <see cref="ServiceFlags.Hashed"/> bit.</summary>
    public bool SameConfiguration(in VirtualService other) =>
        Key == other.Key
        && string.Equals(Scheduler, other.Scheduler, StringComparison.Ordinal)
        && (Flags & ~ServiceFlags.Hashed) == (other.Flags & ~ServiceFlags.Hashed)
        && TimeoutSeconds == other.TimeoutSeconds
        && NetmaskPrefix == other.NetmaskPrefix
        && string.Equals(PersistenceEngine ?? string.Empty, other.PersistenceEngine ?? string.Empty, StringComparison.Ordinal);
}
