using Ipvs.Agent.Configuration;
using Ipvs.Agent.SourceNat;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Engine;

namespace Ipvs.Agent.Tests.SourceNat;

public sealed class IptablesSourceNatTests : IDisposable
{
    private const string ForeignRule = "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE";

    private static readonly HashSet<IpFamily> V4 = [IpFamily.V4];
    private static readonly HashSet<IpFamily> None = [];

    private readonly FakeIptables _iptables = new();
    private readonly string _procSys = Directory.CreateTempSubdirectory("ipvs-agent-procsys-").FullName;
    private readonly Dictionary<IpFamily, string[]> _uplinks = new() { [IpFamily.V4] = ["eth0"], [IpFamily.V6] = ["eth0"] };

    public IptablesSourceNatTests()
    {
        Directory.CreateDirectory(Path.Combine(_procSys, "net/ipv4/vs"));
        File.WriteAllText(Conntrack, "0\n");
    }

    private string Conntrack => Path.Combine(_procSys, "net/ipv4/vs/conntrack");

    private static readonly AddressBlock[] VipBlocks = [AddressBlock.Parse("10.99.0.5/24"), AddressBlock.Parse("fd00::/64")];

    private static readonly string[] V4Blocks = ["10.99.0.0/24"];

    private readonly string _stateDir = Directory.CreateTempSubdirectory("ipvs-agent-state-").FullName;

    private IptablesSourceNat Create(SourceNatMode mode = SourceNatMode.Auto) => new(mode, family => _uplinks[family], VipBlocks, _iptables.Run, _procSys);

    /// <summary>An agent process with a state directory: what it learns of absent rules outlives it.</summary>
    private IptablesSourceNat Process() => new(SourceNatMode.Auto, family => _uplinks[family], VipBlocks, _iptables.Run, _procSys, _stateDir);

    private string AbsenceFile => Path.Combine(_stateDir, SourceNatAbsence.FileName);

    [Fact]
    public void Sync_NoNatServiceAndAbsenceFoundByAnEarlierProcess_RunsNoIptables()
    {
        Process().Sync(None, recheck: true);
        int calls = _iptables.Calls.Count;

        SourceNatOutcome outcome = Process().Sync(None, recheck: true);

        Assert.True(calls > 0, "the first process checked with iptables");
        Assert.Equal(calls, _iptables.Calls.Count);
        Assert.Empty(outcome.Changes);
        Assert.Equal("ipv4\nipv6\n", File.ReadAllText(AbsenceFile));
    }

    [Fact]
    public void Sync_RulesInstalledAfterAbsenceWasRecorded_NextProcessFindsAndRemovesThem()
    {
        Process().Sync(None, recheck: true);
        Process().Sync(V4, recheck: true);
        string afterInstall = File.ReadAllText(AbsenceFile);

        IReadOnlyList<string> changes = Process().Sync(None, recheck: true).Changes;

        Assert.Equal("ipv6\n", afterInstall);
        Assert.Contains(changes, change => change.StartsWith("source NAT: IPv4 rules removed", StringComparison.Ordinal));
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()).IsPresent);
        Assert.Equal("ipv4\nipv6\n", File.ReadAllText(AbsenceFile));
    }

    [Fact]
    public void Sync_AbsenceFileNotWrittenByTheAgent_ChecksWithIptables()
    {
        Process().Sync(V4, recheck: true);
        File.WriteAllText(AbsenceFile, "ipv4\nsomething else\n");

        IReadOnlyList<string> changes = Process().Sync(None, recheck: true).Changes;

        Assert.Contains(changes, change => change.StartsWith("source NAT: IPv4 rules removed", StringComparison.Ordinal));
    }

    [Fact]
    public void Sync_AbsenceCannotBeUnrecorded_NoRuleInstalledAndTheFileNamed()
    {
        Process().Sync(None, recheck: true);
        IptablesSourceNat process = Process();
        Directory.CreateDirectory(Path.Combine(_stateDir, $".{SourceNatAbsence.FileName}.{Environment.ProcessId}.tmp")); // AtomicFile's temporary file cannot be written

        SourceNatSyncException error = Assert.Throws<SourceNatSyncException>(() => process.Sync(V4, recheck: true));

        Assert.Contains(AbsenceFile, error.Message, StringComparison.Ordinal);
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()).IsPresent);
        Assert.Equal("ipv4\nipv6\n", File.ReadAllText(AbsenceFile));
    }


    [Fact]
    public void Sync_NatServicesOnHostWhoseNftTheKernelRefuses_InstallsInLegacyAndTurnsOnIpvsConntrack()
    {
        _iptables.Refusing.Add("iptables-nft");
        _iptables.Of("iptables-legacy").Add("nat", ForeignRule);

        IReadOnlyList<string> changes = Create().Sync(V4, recheck: true).Changes;

        Assert.Contains(changes, change => change.StartsWith("source NAT: IPv4 NAT connections leaving out eth0 are masqueraded and their replies forwarded (iptables-legacy", StringComparison.Ordinal));
        Assert.Contains(changes, change => change.StartsWith("sysctl net.ipv4.vs.conntrack = 1 (was 0)", StringComparison.Ordinal));
        Assert.Equal("1", File.ReadAllText(Conntrack));
        SourceNatState state = SourceNatRules.Read(_iptables.Of("iptables-legacy").Save());
        Assert.True(SourceNatRules.IsInPlace(state, ["eth0"], V4Blocks));
        Assert.Equal(ForeignRule, _iptables.Of("iptables-legacy").Rules("nat")[0]);
        Assert.Empty(_iptables.Of("iptables-nft").Rules("nat"));
    }

    [Fact]
    public void Sync_HostChoosesNft_InstallsThereFirst()
    {
        Create().Sync(V4, recheck: true);

        Assert.True(SourceNatRules.IsInPlace(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()), ["eth0"], V4Blocks));
        Assert.Empty(_iptables.Of("iptables-legacy").Rules("nat"));
    }

    [Fact]
    public void Sync_SameFamiliesAgainWithoutRecheck_RunsNothing()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        int calls = _iptables.Calls.Count;

        Assert.Empty(sourceNat.Sync(V4, recheck: false).Changes);
        Assert.Equal(calls, _iptables.Calls.Count);
    }

    [Fact]
    public void Sync_RecheckAfterTheOperatorFlushedAChain_PutsTheRuleBack()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        _iptables.Of("iptables-nft").Restore("*filter\n-F IPVS-AGENT-FORWARD\nCOMMIT\n");

        Assert.Empty(sourceNat.Sync(V4, recheck: false).Changes);
        string change = Assert.Single(sourceNat.Sync(V4, recheck: true).Changes);

        Assert.StartsWith("source NAT: IPv4 rules put back in place, out eth0", change, StringComparison.Ordinal);
        Assert.True(SourceNatRules.IsInPlace(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()), ["eth0"], V4Blocks));
    }

    [Fact]
    public void Sync_RecheckWithRulesInPlace_ChangesNothingAndWritesNothing()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        int calls = _iptables.Calls.Count;

        Assert.Empty(sourceNat.Sync(V4, recheck: true).Changes);
        Assert.Contains(_iptables.Calls.Skip(calls), call => call == "iptables-nft-save");
        Assert.DoesNotContain(_iptables.Calls.Skip(calls), call => call.Contains("-restore", StringComparison.Ordinal));
    }

    [Fact]
    public void Sync_IpvsConntrackTurnedOffMeanwhile_TurnedOnAgainWithoutTouchingTheRules()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        File.WriteAllText(Conntrack, "0\n");
        int calls = _iptables.Calls.Count;

        string change = Assert.Single(sourceNat.Sync(V4, recheck: false).Changes);

        Assert.StartsWith("sysctl net.ipv4.vs.conntrack = 1 (was 0)", change, StringComparison.Ordinal);
        Assert.Equal("1", File.ReadAllText(Conntrack));
        Assert.Equal(calls, _iptables.Calls.Count);
    }

    [Fact]
    public void Sync_UplinkChanged_RulesFollowWithoutARecheck()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        _uplinks[IpFamily.V4] = ["eth1"];

        sourceNat.Sync(V4, recheck: false);

        SourceNatState state = SourceNatRules.Read(_iptables.Of("iptables-nft").Save());
        Assert.True(SourceNatRules.IsInPlace(state, ["eth1"], V4Blocks));
        Assert.Single(state.Masquerade.Jumps);
    }

    [Fact]
    public void Sync_NoNatServiceLeft_RemovesChainAndJumpAndLeavesForeignRules()
    {
        IptablesSourceNat sourceNat = Create();
        _iptables.Of("iptables-nft").Add("nat", ForeignRule);
        sourceNat.Sync(V4, recheck: true);

        string change = Assert.Single(sourceNat.Sync(None, recheck: false).Changes);

        Assert.StartsWith("source NAT: IPv4 rules removed", change, StringComparison.Ordinal);
        Assert.Equal([ForeignRule], _iptables.Of("iptables-nft").Rules("nat"));
        Assert.Empty(_iptables.Of("iptables-nft").Rules("filter"));
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()).IsPresent);
    }

    [Fact]
    public void Sync_ModeOffWithRulesLeftByAnEarlierRun_RemovesThemOnceThenRunsNothing()
    {
        Create().Sync(V4, recheck: true);
        IptablesSourceNat off = Create(SourceNatMode.Off);

        Assert.Single(off.Sync(V4, recheck: true).Changes);
        int calls = _iptables.Calls.Count;
        Assert.Empty(off.Sync(V4, recheck: true).Changes);

        Assert.Equal(calls, _iptables.Calls.Count);
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()).IsPresent);
    }

    [Fact]
    public void Sync_ModeAll_OneRuleWithoutAnInterface()
    {
        Create(SourceNatMode.All).Sync(V4, recheck: true);

        Assert.True(SourceNatRules.IsInPlace(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()), [], V4Blocks));
    }

    [Fact]
    public void Sync_AutoWithoutAnUplink_InstallsNothingAndWarnsNamingWhatToSet()
    {
        _uplinks[IpFamily.V4] = [];

        SourceNatOutcome outcome = Create().Sync(V4, recheck: true);

        Assert.Contains("no source NAT for IPv4", outcome.Warning, StringComparison.Ordinal);
        Assert.Contains("set nodeAddress", outcome.Warning, StringComparison.Ordinal);
        Assert.Empty(outcome.Changes);
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-nft").Save()).IsPresent);
    }

    [Fact]
    public void Sync_UplinkGoneAfterInstall_RemovesTheRulesAndWarns()
    {
        IptablesSourceNat sourceNat = Create();
        sourceNat.Sync(V4, recheck: true);
        _uplinks[IpFamily.V4] = [];

        SourceNatOutcome outcome = sourceNat.Sync(V4, recheck: false);

        Assert.NotNull(outcome.Warning);
        Assert.StartsWith("source NAT: IPv4 rules removed", Assert.Single(outcome.Changes), StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_EveryBackendRefuses_FailsWithEachReason()
    {
        _iptables.Refusing.UnionWith(["iptables-nft", "iptables-legacy"]);

        var error = Assert.Throws<SourceNatSyncException>(() => Create().Sync(V4, recheck: true));

        Assert.Contains("iptables-nft-restore exited with 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("iptables-legacy-restore exited with 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_IptablesNotInstalled_FailsWithTheInstallHintOnlyWhenSomethingNeedsIt()
    {
        _iptables.Version = null;
        IptablesSourceNat sourceNat = Create();

        Assert.Empty(sourceNat.Sync(None, recheck: true).Changes);
        var error = Assert.Throws<SourceNatSyncException>(() => sourceNat.Sync(V4, recheck: true));

        Assert.Contains("apt-get install iptables", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_ChainAlreadyInLegacyOnANftHost_KeepsUsingLegacy()
    {
        IptablesSourceNat first = Create();
        _iptables.Refusing.Add("iptables-nft");
        first.Sync(V4, recheck: true);
        _iptables.Refusing.Clear();

        IptablesSourceNat restarted = Create();
        Assert.Empty(restarted.Sync(V4, recheck: true).Changes);

        Assert.Empty(_iptables.Of("iptables-nft").Rules("nat"));
        Assert.True(SourceNatRules.IsInPlace(SourceNatRules.Read(_iptables.Of("iptables-legacy").Save()), ["eth0"], V4Blocks));
    }

    [Fact]
    public void Sync_IpVsConntrackCannotBeSet_FailsNamingTheSysctl()
    {
        Directory.Delete(Path.Combine(_procSys, "net"), recursive: true);

        var error = Assert.Throws<SourceNatSyncException>(() => Create().Sync(V4, recheck: true));

        Assert.Contains("net.ipv4.vs.conntrack could not be set to 1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A process that reads the legacy tables of its network namespace from <c>procNet</c> (a temporary directory).</summary>
    private IptablesSourceNat WithProcNet(params string[] legacyTablesV4)
    {
        string procNet = Path.Combine(_procSys, "procnet");
        Directory.CreateDirectory(procNet);
        if (legacyTablesV4.Length > 0)
        {
            File.WriteAllLines(Path.Combine(procNet, "ip_tables_names"), legacyTablesV4);
        }

        return new(SourceNatMode.Auto, family => _uplinks[family], VipBlocks, _iptables.Run, _procSys, _stateDir, procNet);
    }

    [Fact]
    public void Sync_NoNatServiceAndNoLegacyTablesInTheNamespace_RunsOnlyTheNftBackend()
    {
        SourceNatOutcome outcome = WithProcNet().Sync(None, recheck: true);

        Assert.Empty(outcome.Changes);
        Assert.DoesNotContain(_iptables.Calls, call => call.Contains("-legacy", StringComparison.Ordinal));
        Assert.Contains("iptables-nft-save", _iptables.Calls);
        Assert.Contains("ip6tables-nft-save", _iptables.Calls);
        Assert.Equal("ipv4\nipv6\n", File.ReadAllText(AbsenceFile));
    }

    [Fact]
    public void Sync_NoNatServiceAndLegacyNatTableInTheNamespace_RemovesRulesLeftThere()
    {
        _iptables.Version = "iptables v1.8.9 (legacy)";
        WithProcNet("nat", "filter").Sync(V4, recheck: true);
        File.Delete(AbsenceFile); // as after a state directory was lost

        IReadOnlyList<string> changes = WithProcNet("mangle", "nat").Sync(None, recheck: true).Changes;

        Assert.Contains(changes, change => change.StartsWith("source NAT: IPv4 rules removed", StringComparison.Ordinal) && change.EndsWith("(iptables-legacy)", StringComparison.Ordinal));
        Assert.False(SourceNatRules.Read(_iptables.Of("iptables-legacy").Save()).IsPresent);
        Assert.DoesNotContain("ip6tables-legacy-save", _iptables.Calls);
    }

    [Fact]
    public void Sync_NatServicesWhereNftIsRefusedAndLegacyHasNoTablesYet_InstallsInLegacyWithoutReadingItFirst()
    {
        _iptables.Refusing.Add("iptables-nft");

        IReadOnlyList<string> changes = WithProcNet().Sync(V4, recheck: true).Changes;

        Assert.Contains(changes, change => change.StartsWith("source NAT: IPv4 NAT connections leaving out eth0 are masqueraded", StringComparison.Ordinal) && change.Contains("(iptables-legacy", StringComparison.Ordinal));
        Assert.True(SourceNatRules.IsInPlace(SourceNatRules.Read(_iptables.Of("iptables-legacy").Save()), ["eth0"], V4Blocks));
        Assert.DoesNotContain("iptables-legacy-save", _iptables.Calls);
    }

    public void Dispose()
    {
        Directory.Delete(_procSys, recursive: true);
        Directory.Delete(_stateDir, recursive: true);
    }
}
