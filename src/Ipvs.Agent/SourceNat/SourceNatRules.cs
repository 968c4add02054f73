using System.Text;

namespace Ipvs.Agent.SourceNat;

/// <summary>
/// The agent's source NAT in iptables' words, pure: the restore input that installs or removes it, and the reading of
/// <c>iptables-save</c> that says whether it is in place. The agent owns two chains, each jumped to by one rule carrying
/// its comment from a built-in chain; nothing else in any table is written.
/// </summary>
/// <remarks>
/// <c>-m ipvs --vdir ORIGINAL --vmethod MASQ</c> (xt_ipvs) matches the first direction of connections IPVS forwards by
/// NAT, after IPVS chose the real server; MASQUERADE (nat POSTROUTING) gives them the address of the interface they
/// leave by, so the real server answers this node, whose conntrack undoes both translations (net.ipv4.vs.conntrack
/// must be 1). The answer to a client elsewhere is then forwarded, and a filter FORWARD policy of DROP (dockerd's)
/// would drop it before IPVS sees it. xt_ipvs cannot tell it there (it matches only packets IPVS has handled, and IPVS
/// handles replies after the filter), so the filter chain accepts the reply direction of connections whose original
/// destination is in the agent's VIP blocks (conntrack keeps the VIP as that destination).
/// </remarks>
internal static class SourceNatRules
{
    public const string MasqueradeChain = "IPVS-AGENT-POSTROUTING";

    public const string ForwardChain = "IPVS-AGENT-FORWARD";

    public const string JumpComment = "ipvs-agent";

    private const string MasqueradeComment = "ipvs-agent: source NAT of NAT connections";

    private const string ForwardComment = "ipvs-agent: replies of connections to its VIPs";

    private static readonly (string Table, string Parent, string Chain)[] Chains =
        [("nat", "POSTROUTING", MasqueradeChain), ("filter", "FORWARD", ForwardChain)];

    /// <summary>
    /// Restore input (for <c>--noflush</c>) that makes the nat chain hold exactly the masquerade rules for
    /// <paramref name="uplinks"/> (empty: one for every interface), the filter chain an accept rule per VIP block of
    /// <paramref name="vipBlocks"/> (as iptables prints them: network/prefix), and each built-in chain jump to the
    /// agent's once, given what <paramref name="current"/> shows.
    /// </summary>
    public static string Install(IReadOnlyList<string> uplinks, IReadOnlyList<string> vipBlocks, SourceNatState current)
    {
        ArgumentNullException.ThrowIfNull(uplinks);
        ArgumentNullException.ThrowIfNull(vipBlocks);
        ArgumentNullException.ThrowIfNull(current);
        var text = new StringBuilder();

        // Declaring a chain in a --noflush restore creates it if absent and empties it if present: the rules after it
        // replace whatever it held, in one commit per table.
        Table(text, Chains[0], current.Masquerade, uplinks.Count == 0 ? [MasqueradeRule(null)] : [.. uplinks.Select(MasqueradeRule)]);
        Table(text, Chains[1], current.Forward, vipBlocks.Select(block =>
            $"-A {ForwardChain} -m conntrack --ctstate RELATED,ESTABLISHED --ctdir REPLY --ctorigdst {block} -m comment --comment \"{ForwardComment}\" -j ACCEPT"));
        return text.ToString();
    }

    /// <summary>Restore input that removes the jumps <paramref name="state"/> found (as iptables-save printed them) and the chains.</summary>
    public static string Remove(SourceNatState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        foreach (((string table, _, string chain), AgentChainState found) in Chains.Zip([state.Masquerade, state.Forward]))
        {
            if (!found.IsPresent)
            {
                continue;
            }

            text.Append('*').Append(table).Append('\n');
            foreach (string jump in found.Jumps)
            {
                text.Append("-D").Append(jump.AsSpan(2)).Append('\n');
            }

            if (found.HasChain)
            {
                text.Append("-F ").Append(chain).Append("\n-X ").Append(chain).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    /// <summary>What of the agent's chains <c>iptables-save</c> (every table, or <c>-t</c> one) shows.</summary>
    public static SourceNatState Read(string saveOutput)
    {
        ArgumentNullException.ThrowIfNull(saveOutput);
        var found = Chains.Select(_ => (HasChain: false, Jumps: new List<string>(), Rules: new List<string>())).ToArray();
        string table = string.Empty;
        foreach (string raw in saveOutput.Split('\n'))
        {
            string line = raw.TrimEnd('\r', ' ');
            if (line.StartsWith('*'))
            {
                table = line[1..];
                continue;
            }

            for (int i = 0; i < Chains.Length; i++)
            {
                (string chainTable, string parent, string chain) = Chains[i];
                if (table != chainTable)
                {
                    continue;
                }

                if (line == $":{chain}" || line.StartsWith($":{chain} ", StringComparison.Ordinal))
                {
                    found[i].HasChain = true;
                }
                else if (line.StartsWith($"-A {parent} ", StringComparison.Ordinal) && line.EndsWith($" -j {chain}", StringComparison.Ordinal))
                {
                    found[i].Jumps.Add(line);
                }
                else if (line.StartsWith($"-A {chain} ", StringComparison.Ordinal))
                {
                    found[i].Rules.Add(line);
                }
            }
        }

        return new SourceNatState(
            new AgentChainState(found[0].HasChain, found[0].Jumps, found[0].Rules),
            new AgentChainState(found[1].HasChain, found[1].Jumps, found[1].Rules));
    }

    /// <summary>
    /// True when <paramref name="state"/> is what <see cref="Install"/> makes for <paramref name="uplinks"/> and
    /// <paramref name="vipBlocks"/>. Compared by the options that matter, since iptables-save reorders a rule's options,
    /// and differently in its two variants.
    /// </summary>
    public static bool IsInPlace(SourceNatState state, IReadOnlyList<string> uplinks, IReadOnlyList<string> vipBlocks)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(uplinks);
        ArgumentNullException.ThrowIfNull(vipBlocks);
        AgentChainState masquerade = state.Masquerade;
        AgentChainState forward = state.Forward;
        bool masqueradeInPlace = masquerade.HasChain && masquerade.Jumps.Count == 1 && masquerade.Rules.Count == Math.Max(1, uplinks.Count)
            && (uplinks.Count == 0
                ? IsMasquerade(masquerade.Rules[0]) && !masquerade.Rules[0].Contains(" -o ", StringComparison.Ordinal)
                : uplinks.All(uplink => masquerade.Rules.Any(rule => IsMasquerade(rule) && rule.Contains($" -o {uplink} ", StringComparison.Ordinal))));
        return masqueradeInPlace && forward.HasChain && forward.Jumps.Count == 1 && forward.Rules.Count == vipBlocks.Count
            && vipBlocks.All(block => forward.Rules.Any(rule => rule.Contains($"--ctorigdst {block} ", StringComparison.Ordinal)
                && rule.Contains("--ctdir REPLY", StringComparison.Ordinal) && rule.EndsWith(" -j ACCEPT", StringComparison.Ordinal)));
    }

    private static void Table(StringBuilder text, (string Table, string Parent, string Chain) chain, AgentChainState current, IEnumerable<string> rules)
    {
        text.Append('*').Append(chain.Table).Append("\n:").Append(chain.Chain).Append(" - [0:0]\n");
        foreach (string rule in rules)
        {
            text.Append(rule).Append('\n');
        }

        if (current.Jumps.Count == 0)
        {
            text.Append("-A ").Append(chain.Parent).Append(" -m comment --comment ").Append(JumpComment).Append(" -j ").Append(chain.Chain).Append('\n');
        }

        foreach (string extra in current.Jumps.Skip(1))
        {
            text.Append("-D").Append(extra.AsSpan(2)).Append('\n');
        }

        text.Append("COMMIT\n");
    }

    private static bool IsMasquerade(string rule) =>
        rule.Contains("--vdir ORIGINAL", StringComparison.Ordinal) && rule.Contains("--vmethod MASQ", StringComparison.Ordinal)
        && rule.EndsWith(" -j MASQUERADE", StringComparison.Ordinal);

    private static string MasqueradeRule(string? uplink) =>
        $"-A {MasqueradeChain}{(uplink is null ? string.Empty : $" -o {uplink}")} -m ipvs --vdir ORIGINAL --vmethod MASQ -m comment --comment \"{MasqueradeComment}\" -j MASQUERADE";
}
