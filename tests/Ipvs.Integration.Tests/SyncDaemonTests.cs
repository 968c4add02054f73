using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Integration.Tests;

/// <summary>Connection-sync daemons on the namespace's loopback.</summary>
public sealed class SyncDaemonTests : IClassFixture<NamespaceFixture>
{
    private readonly NamespaceFixture _lab;

    public SyncDaemonTests(NamespaceFixture lab) => _lab = lab;

    [Fact]
    public async Task StartDaemon_MasterAndBackupOnLoopback_ListedByUsAndIpvsadmThenStopped()
    {
        var master = new SyncDaemonConfig(SyncDaemonState.Master, "lo", 7);
        var backup = new SyncDaemonConfig(SyncDaemonState.Backup, "lo", 8);

        _lab.Client.StartDaemon(master);
        _lab.Client.StartDaemon(backup);
        List<SyncDaemonConfig> running = _lab.Client.ListDaemons();
        string ipvsadm = await _lab.Namespace.RunAsync("ipvsadm", "-L", "--daemon");
        _lab.Client.StopDaemon(SyncDaemonState.Master);
        _lab.Client.StopDaemon(SyncDaemonState.Backup);

        Assert.Equal([SyncDaemonState.Master, SyncDaemonState.Backup], running.Select(daemon => daemon.State).Order());
        Assert.All(running, daemon => Assert.Equal("lo", daemon.Interface));
        Assert.Equal(7u, running.Single(daemon => daemon.State == SyncDaemonState.Master).SyncId);
        Assert.Equal(8u, running.Single(daemon => daemon.State == SyncDaemonState.Backup).SyncId);
        Assert.Contains("master sync daemon (mcast=lo, syncid=7", ipvsadm, StringComparison.Ordinal);
        Assert.Contains("backup sync daemon (mcast=lo, syncid=8", ipvsadm, StringComparison.Ordinal);
        Assert.Empty(_lab.Client.ListDaemons());
    }
}
