namespace Ipvs.Integration.Tests.Support;

/// <summary>
/// A fresh network namespace of the lab guest (<c>ip netns add</c>) with loopback up: its own IPVS table, links and
/// addresses, so tests cannot see each other. Deleted on dispose.
/// </summary>
internal sealed class LabNamespace : IAsyncDisposable
{
    private static int _counter;

    private LabNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>The bind-mounted namespace file that setns() takes.</summary>
    public string Path => $"/var/run/netns/{Name}";

    public static async Task<LabNamespace> CreateAsync(string purpose)
    {
        string name = $"ipvs-{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}";
        await Shell.RunAsync("ip", "netns", "add", name);
        var created = new LabNamespace(name);
        try
        {
            // Masquerading real servers fail with EINVAL until loopback is up in a fresh namespace.
            await Shell.RunAsync("ip", "-n", name, "link", "set", "lo", "up");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="program"/> inside this namespace.</summary>
    public Task<string> RunAsync(string program, params string[] arguments) =>
        Shell.RunAsync("ip", ["netns", "exec", Name, program, .. arguments]);

    /// <summary>The namespace's IPVS table as <c>ipvsadm -Sn</c> prints it, parsed.</summary>
    public async Task<IpvsadmTable> SaveIpvsadmAsync() =>
        IpvsadmTable.Parse(await RunAsync("ipvsadm", "-Sn")).WithThresholds(await RunAsync("ipvsadm", "-Ln", "--thresholds"));

    public async ValueTask DisposeAsync() => await Shell.RunAsync("ip", "netns", "delete", Name);
}
