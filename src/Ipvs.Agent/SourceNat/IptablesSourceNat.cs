using Ipvs.Agent.Configuration;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Engine;

namespace Ipvs.Agent.SourceNat;

/// <summary>
/// Keeps the agent's source NAT (<see cref="SourceNatRules"/>) in the host's iptables, per family, through
/// <c>iptables-restore --noflush</c>: the I/O edge of source NAT (its nat rule and the filter rule that lets the answers through). Why iptables and not nf_tables over netlink: README,
/// "Dependencies".
/// </summary>
/// <remarks>
/// Two iptables backends may exist on a host, nf_tables (Debian 12's default) and legacy; rules in the wrong one still
/// work but hide from the operator's tools, and some kernels (the lab's) have only legacy for IPv4. So: the backend
/// already holding the agent's chain; else the one <c>iptables -V</c> names (the host's choice), then the other, the
/// first whose restore the kernel accepts.
/// </remarks>
internal sealed class IptablesSourceNat : ISourceNat
{
    public delegate CommandResult Runner(string program, IReadOnlyList<string> arguments, string? input);

    private readonly SourceNatMode _mode;
    private readonly Func<IpFamily, IReadOnlyList<string>> _uplinks;
    private readonly IReadOnlyList<AddressBlock> _vipBlocks;
    private readonly Runner _run;
    private readonly string _procSys;
    private readonly string? _procNet;
    private readonly Dictionary<IpFamily, string[]> _backends = [];

    /// <summary>Per family: where the rules were last put and for which uplinks; absent when the agent holds none.</summary>
    private readonly Dictionary<IpFamily, (string Backend, string[] Uplinks)> _installed = [];

    /// <summary>
    /// Families known to hold none of the agent's rules: checked once (or recorded so by an earlier process), then
    /// trusted until the agent adds some.
    /// </summary>
    private readonly HashSet<IpFamily> _knownAbsent;

    private readonly SourceNatAbsence _absence;

    /// <summary>Families found absent during this sync, not yet recorded.</summary>
    private bool _absenceFound;

    /// <summary>The rules' edge.</summary>
    /// <param name="mode">Off, auto (per uplink) or all.</param>
    /// <param name="uplinks">The interfaces traffic leaves this host by, per family.</param>
    /// <param name="vipBlocks">The VIP blocks, for the filter rule.</param>
    /// <param name="run">Runs a program (tests: a fake iptables).</param>
    /// <param name="procSys">Where the IPVS conntrack sysctl is.</param>
    /// <param name="stateDirectory">Where <see cref="SourceNatAbsence"/> keeps what is known across processes (null: nothing is kept).</param>
    /// <param name="procNet">
    /// Where the kernel lists the legacy iptables tables of this network namespace (<c>/proc/net</c>): a legacy backend
    /// without a nat or filter table there holds none of the agent's rules and is not run to find out. Null: every
    /// backend is asked.
    /// </param>
    public IptablesSourceNat(SourceNatMode mode, Func<IpFamily, IReadOnlyList<string>> uplinks, IReadOnlyList<AddressBlock> vipBlocks, Runner? run = null, string procSys = "/proc/sys", string? stateDirectory = null, string? procNet = null)
    {
        _mode = mode;
        _uplinks = uplinks;
        _vipBlocks = vipBlocks;
        _run = run ?? HostCommand.Run;
        _procSys = procSys;
        _procNet = procNet;
        _absence = new SourceNatAbsence(stateDirectory);
        _knownAbsent = _absence.Load();
    }

    public static IptablesSourceNat Create(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var uplinks = new HostUplinks(options.NodeAddress);
        return new IptablesSourceNat(options.SourceNat, uplinks.For, options.AllowedVipCidrs, stateDirectory: options.StateDir, procNet: "/proc/net");
    }

    public SourceNatOutcome Sync(IReadOnlySet<IpFamily> families, bool recheck)
    {
        ArgumentNullException.ThrowIfNull(families);
        var changes = new List<string>();
        var warnings = new List<string>();
        foreach (IpFamily family in (IpFamily[])[IpFamily.V4, IpFamily.V6])
        {
            bool wanted = _mode != SourceNatMode.Off && families.Contains(family);
            string[] uplinks = wanted && _mode == SourceNatMode.Auto ? [.. _uplinks(family)] : [];
            if (wanted && _mode == SourceNatMode.Auto && uplinks.Length == 0)
            {
                // Nothing leaves this host by a known way, so nothing is masqueraded: local real servers still work.
                warnings.Add($"no source NAT for {Name(family)}: no interface holds nodeAddress and no default route leaves this host, so NAT real servers on other hosts cannot answer through it; set nodeAddress (or sourceNat: all)");
                wanted = false;
            }

            if (wanted)
            {
                Keep(family, uplinks, recheck, changes);
            }
            else
            {
                Drop(family, recheck, changes);
            }
        }

        if (_absenceFound)
        {
            // One write for both families' findings.
            _absenceFound = false;
            try
            {
                _absence.Save(_knownAbsent);
            }
            catch (IOException)
            {
                // Only the next process's check is lost: it runs iptables again.
            }
        }

        return new SourceNatOutcome(changes, warnings.Count == 0 ? null : string.Join("; ", warnings));
    }

    private void Keep(IpFamily family, string[] uplinks, bool recheck, List<string> changes)
    {
        // Read each time (one small file): someone may have turned it off since.
        EnsureConntrack(changes);
        string[] blocks = VipBlocks(family);
        if (_installed.TryGetValue(family, out var installed) && installed.Uplinks.SequenceEqual(uplinks)
            && (!recheck || (Save(installed.Backend) is { } current && SourceNatRules.IsInPlace(current, uplinks, blocks))))
        {
            return;
        }

        string[] backends = Backends(family);
        if (backends.Length == 0)
        {
            string tool = family == IpFamily.V4 ? "iptables" : "ip6tables";
            throw new SourceNatSyncException($"{tool} cannot be run: install iptables (Debian: apt-get install iptables), or set sourceNat: off");
        }

        var states = backends.Select(backend => (Backend: backend, State: MayHoldRules(backend, family) ? Save(backend) : SourceNatState.Absent)).ToList();
        var held = states.FirstOrDefault(candidate => candidate.State?.IsPresent == true);
        if (held.State is not null && SourceNatRules.IsInPlace(held.State, uplinks, blocks))
        {
            ForgetAbsence(family);
            _installed[family] = (held.Backend, uplinks);
            return;
        }

        // Write-ahead: no longer recorded as absent before any rule goes in.
        ForgetAbsence(family);

        string where = uplinks.Length == 0 ? "out any interface" : $"out {string.Join(", ", uplinks)}";
        var errors = new List<string>();
        foreach ((string backend, SourceNatState? state) in held.State is not null ? [held] : states)
        {
            if (state is null)
            {
                errors.Add($"{backend}-save failed");
                continue;
            }

            CommandResult result = Restore(backend, SourceNatRules.Install(uplinks, blocks, state));
            if (result.ExitCode == 0)
            {
                _installed[family] = (backend, uplinks);
                changes.Add(held.State is null
                    ? $"source NAT: {Name(family)} NAT connections leaving {where} are masqueraded and their replies forwarded ({backend}, chains {SourceNatRules.MasqueradeChain} and {SourceNatRules.ForwardChain})"
                    : $"source NAT: {Name(family)} rules put back in place, {where} ({backend})");
                return;
            }

            errors.Add($"{backend}-restore exited with {result.ExitCode}: {FirstLine(result.Error)}");
        }

        _installed.Remove(family);
        throw new SourceNatSyncException($"{Name(family)} source NAT rules could not be installed: {string.Join("; ", errors)}");
    }

    private void ForgetAbsence(IpFamily family)
    {
        if (!_knownAbsent.Remove(family))
        {
            return;
        }

        try
        {
            _absence.Save(_knownAbsent);
            _absenceFound = false; // this write carried them
        }
        catch (IOException exception)
        {
            _knownAbsent.Add(family);
            throw new SourceNatSyncException($"{Name(family)} source NAT rules were left as they are: the agent could not first record that it holds some ({exception.Message})", exception);
        }
    }

    private void Drop(IpFamily family, bool recheck, List<string> changes)
    {
        bool held = _installed.Remove(family);
        if (!held && (_knownAbsent.Contains(family) || !recheck))
        {
            return;
        }

        foreach (string backend in Backends(family))
        {
            if (MayHoldRules(backend, family) && Save(backend) is { IsPresent: true } state)
            {
                CommandResult result = Restore(backend, SourceNatRules.Remove(state));
                if (result.ExitCode != 0)
                {
                    throw new SourceNatSyncException($"{Name(family)} source NAT rules could not be removed: {backend}-restore exited with {result.ExitCode}: {FirstLine(result.Error)}");
                }

                changes.Add($"source NAT: {Name(family)} rules removed, no owned NAT service needs them ({backend})");
            }
        }

        _absenceFound |= _knownAbsent.Add(family);
    }

    /// <summary>IPVS keeps no conntrack entries for its connections unless told, and MASQUERADE has nothing to work on without them.</summary>
    private void EnsureConntrack(List<string> changes)
    {
        string path = Path.Combine(_procSys, "net/ipv4/vs/conntrack");
        try
        {
            string current = File.ReadAllText(path).Trim();
            if (current != "1")
            {
                File.WriteAllText(path, "1");
                changes.Add($"sysctl net.ipv4.vs.conntrack = 1 (was {current}): source NAT of IPVS connections needs their conntrack entries");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new SourceNatSyncException($"net.ipv4.vs.conntrack could not be set to 1 ({path}): {exception.Message}", exception);
        }
    }

    /// <summary>The iptables backends to try for <paramref name="family"/>, the host's own choice first; none without iptables.</summary>
    private string[] Backends(IpFamily family)
    {
        if (_backends.TryGetValue(family, out string[]? known))
        {
            return known;
        }

        string tool = family == IpFamily.V4 ? "iptables" : "ip6tables";
        CommandResult version = _run(tool, ["-V"], null);
        string[] backends = version.ExitCode != 0 ? []
            : version.Output.Contains("(legacy)", StringComparison.Ordinal) ? [$"{tool}-legacy", $"{tool}-nft"]
            : version.Output.Contains("(nf_tables)", StringComparison.Ordinal) ? [$"{tool}-nft", $"{tool}-legacy"]
            : [tool];
        if (backends.Length > 0)
        {
            _backends[family] = backends; // an absent iptables is asked for again: it may be installed meanwhile
        }

        return backends;
    }

    /// <summary>
    /// False when the kernel shows that <paramref name="backend"/> holds none of the agent's rules, without running it:
    /// a legacy backend whose nat and filter tables do not exist in this network namespace (a first run on a node with
    /// nf_tables, or a fresh namespace, then starts one process fewer per family). True when unsure.
    /// </summary>
    private bool MayHoldRules(string backend, IpFamily family)
    {
        if (_procNet is null || !backend.EndsWith("-legacy", StringComparison.Ordinal))
        {
            return true;
        }

        string tables = Path.Combine(_procNet, family == IpFamily.V4 ? "ip_tables_names" : "ip6_tables_names");
        try
        {
            // Absent: the legacy tables' module is not loaded, so no namespace has any of its tables.
            return File.Exists(tables) && File.ReadAllLines(tables).Any(table => table is "nat" or "filter");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The backend's view of the agent's rules, or null when it cannot be read (absent, or the kernel lacks it).</summary>
    private SourceNatState? Save(string backend)
    {
        CommandResult result = _run($"{backend}-save", [], null);
        return result.ExitCode == 0 ? SourceNatRules.Read(result.Output) : null;
    }

    private CommandResult Restore(string backend, string input) => _run($"{backend}-restore", ["-w", "5", "--noflush"], input);

    /// <summary>The VIP blocks of <paramref name="family"/> as iptables prints them: the network with its host bits cleared.</summary>
    private string[] VipBlocks(IpFamily family) =>
        [.. _vipBlocks.Where(block => block.Network.Family == family).Select(block => $"{block.Network.MaskedTo(block.PrefixLength)}/{block.PrefixLength}").Distinct()];

    private static string Name(IpFamily family) => family == IpFamily.V4 ? "IPv4" : "IPv6";

    private static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim() is { Length: > 0 } line ? line : "no message";
}
