using System.Diagnostics;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent.Support;

/// <summary>
/// A director namespace (where the agent runs) routing between a client namespace and backend namespaces, each behind
/// a veth pair of its own, so traffic through the VIP crosses the director as it would between hosts:
/// <code>
///   client 10.2.2.2 ── 10.2.2.1 director 10.1.1.1 ── 10.1.1.2 backend 0
///                                        10.1.2.1 ── 10.1.2.2 backend 1 …
/// </code>
/// </summary>
internal sealed class DirectorNetwork : IAsyncDisposable
{
    public const string ClientAddress = "10.2.2.2";

    private readonly List<LabNamespace> _namespaces;
    private readonly List<Process> _servers = [];

    private DirectorNetwork(List<LabNamespace> namespaces) => _namespaces = namespaces;

    public LabNamespace Director => _namespaces[0];

    public LabNamespace Client => _namespaces[1];

    public IEnumerable<LabNamespace> Backends => _namespaces.Skip(2);

    /// <summary>The address of backend <paramref name="index"/> (0-based).</summary>
    public static string BackendAddress(int index) => $"10.1.{index + 1}.2";

    public static async Task<DirectorNetwork> CreateAsync(string purpose, int backends)
    {
        var namespaces = new List<LabNamespace> { await LabNamespace.CreateAsync(purpose + "-dir") };
        var network = new DirectorNetwork(namespaces);
        try
        {
            namespaces.Add(await LabNamespace.CreateAsync(purpose + "-cl"));
            await network.LinkAsync(namespaces[1], "vc", "10.2.2");
            for (int index = 0; index < backends; index++)
            {
                namespaces.Add(await LabNamespace.CreateAsync($"{purpose}-be{index}"));
                await network.LinkAsync(namespaces[^1], $"vb{index}", $"10.1.{index + 1}");
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a python3 <paramref name="script"/> in backend <paramref name="index"/>, killed on dispose; its argv[1] is the backend's name.</summary>
    public Process StartServer(int index, string script)
    {
        Process server = StartPython(_namespaces[2 + index].Name, script, $"backend{index}");
        _servers.Add(server);
        return server;
    }

    /// <summary>
    /// Waits until backend <paramref name="index"/> listens on TCP <paramref name="port"/>. python3 takes seconds to start
    /// in the lab: an agent started before then sees its first health checks refused.
    /// </summary>
    public async Task WaitListeningAsync(int index, int port, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (string.IsNullOrWhiteSpace(await _namespaces[2 + index].RunAsync("ss", "-Hltn", $"sport = :{port}")))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"backend{index} did not listen on port {port} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Runs a python3 <paramref name="script"/> in the client namespace to its end; returns its output.</summary>
    public Task<string> RunClientAsync(string script, params string[] arguments) =>
        Client.RunAsync(LabPython.Executable, ["-c", script, .. arguments]);

    public static Process StartPython(string netns, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", netns, LabPython.Executable, "-u", "-c", script, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
    }

    /// <summary>A veth pair from the director (PREFIX.1) to <paramref name="peer"/> (PREFIX.2), whose default route is the director.</summary>
    private async Task LinkAsync(LabNamespace peer, string name, string prefix)
    {
        await Shell.RunAsync("ip", "-n", Director.Name, "link", "add", name + "d", "type", "veth", "peer", "name", name, "netns", peer.Name);
        await Director.RunAsync("ip", "addr", "add", prefix + ".1/24", "dev", name + "d");
        await Director.RunAsync("ip", "link", "set", name + "d", "up");
        await peer.RunAsync("ip", "addr", "add", prefix + ".2/24", "dev", name);
        await peer.RunAsync("ip", "link", "set", name, "up");
        await peer.RunAsync("ip", "route", "add", "default", "via", prefix + ".1");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Process server in _servers)
        {
            if (!server.HasExited)
            {
                server.Kill();
            }

            server.Dispose();
        }

        foreach (LabNamespace lab in _namespaces)
        {
            await lab.DisposeAsync();
        }
    }
}
