using Ipvs.Netlink.Client;

namespace Ipvs.Integration.Tests.Support;

/// <summary>One fresh network namespace per test class, with an <see cref="IpvsClient"/> opened inside it.</summary>
public sealed class NamespaceFixture : IAsyncLifetime
{
    private LabNamespace? _namespace;
    private IpvsClient? _client;

    internal LabNamespace Namespace => _namespace ?? throw new InvalidOperationException("Fixture not initialised.");

    public IpvsClient Client => _client ?? throw new InvalidOperationException("Fixture not initialised.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/proc/net/ip_vs"))
        {
            throw new InvalidOperationException(
                "These tests need IPVS: run them inside the lab (vagrant/lab/run -- dotnet tests/Ipvs.Integration.Tests/bin/Release/net10.0/Ipvs.Integration.Tests.dll).");
        }

        _namespace = await LabNamespace.CreateAsync("test");
        _client = IpvsClient.OpenInNamespace(_namespace.Path);
    }

    /// <summary>Empties the namespace's table between tests (only small tables: flushed servers linger on a trash list).</summary>
    public void Reset() => Client.Flush();

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_namespace is not null)
        {
            await _namespace.DisposeAsync();
        }
    }
}
