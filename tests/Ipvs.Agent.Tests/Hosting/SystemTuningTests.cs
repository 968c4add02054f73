using Ipvs.Agent.Hosting;
using Ipvs.Engine.Tests.Support;

namespace Ipvs.Agent.Tests.Hosting;

public sealed class SystemTuningTests : IDisposable
{
    private readonly string _procSys = Directory.CreateTempSubdirectory("ipvs-agent-sysctl-").FullName;

    private void Sysctl(string name, string value)
    {
        string path = Path.Combine(_procSys, name.Replace('.', '/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
    }

    private string Read(string name) => File.ReadAllText(Path.Combine(_procSys, name.Replace('.', '/'))).Trim();

    [Fact]
    public void Apply_DifferentValues_SetsThemAndReportsTheOldOnes()
    {
        Sysctl("net.ipv4.ip_forward", "0");
        Sysctl("net.ipv4.vs.conntrack", "0");
        Sysctl("net.ipv4.vs.expire_nodest_conn", "1");
        Sysctl("net.ipv4.vs.conn_reuse_mode", "1");

        IReadOnlyList<string> report = SystemTuning.Apply(new Version(6, 1), new TestLog().Logger, _procSys);

        Assert.Equal("1", Read("net.ipv4.ip_forward"));
        Assert.Equal("1", Read("net.ipv4.vs.conntrack"));
        Assert.Contains("sysctl net.ipv4.ip_forward = 1 (was 0)", report);
        Assert.Contains("sysctl net.ipv4.vs.expire_nodest_conn = 1 (already)", report);
    }

    [Fact]
    public void Wanted_KernelBefore59_TurnsConnectionReuseOff()
    {
        Assert.Contains(("net.ipv4.vs.conn_reuse_mode", "0"), SystemTuning.Wanted(new Version(4, 19)));
        Assert.Contains(("net.ipv4.vs.conn_reuse_mode", "1"), SystemTuning.Wanted(new Version(6, 1)));
    }

    [Fact]
    public void Wanted_AnyKernel_ExpiresTemplatesOfQuiescentServers() =>
        Assert.Contains(("net.ipv4.vs.expire_quiescent_template", "1"), SystemTuning.Wanted(new Version(6, 1)));

    [Fact]
    public void Apply_MissingSysctl_ReportsItWithoutThrowing()
    {
        IReadOnlyList<string> report = SystemTuning.Apply(new Version(6, 1), new TestLog().Logger, _procSys);

        Assert.All(report, line => Assert.Contains("could not be set", line, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_procSys, recursive: true);
}
