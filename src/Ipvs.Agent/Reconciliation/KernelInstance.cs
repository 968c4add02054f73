namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// Names the IPVS table this process changes: the kernel's boot and the network namespace. IPVS tables live in a
/// network namespace and die with it or with the boot, so a journal written under another name describes a table
/// that is gone (or another host's) and licenses nothing here.
/// </summary>
internal static class KernelInstance
{
    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";
    private const string NetworkNamespacePath = "/proc/self/ns/net";

    /// <summary>For example <c>boot 5e0d…-…, net:[4026531840]</c>; null where either cannot be read (no check then).</summary>
    public static string? Current()
    {
        try
        {
            string boot = File.ReadAllText(BootIdPath).Trim();
            string? netns = File.ResolveLinkTarget(NetworkNamespacePath, returnFinalTarget: false)?.FullName;
            return boot.Length == 0 || netns is null ? null : $"boot {boot}, {System.IO.Path.GetFileName(netns)}";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
