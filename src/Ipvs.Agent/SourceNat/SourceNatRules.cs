namespace Ipvs.Agent.SourceNat;

/// <summary>
/// The agent's source NAT in iptables' words, pure: the restore input that installs or removes it, and the reading of
/// <c>iptables-save -t nat</c> that says whether it is in place. The agent owns one chain, jumped to from POSTROUTING by
/// one rule carrying its comment; nothing else in the nat table is written.
/// </summary>
/// <remarks>
/// <c>-m ipvs --vdir ORIGINAL --vmethod MASQ</c> (xt_ipvs) matches the first direction of connections IPVS forwards by
/// NAT, after IPVS chose the real server; MASQUERADE then gives them the address of the interface they leave by, so the
/// real server answers this node, whose conntrack undoes both translations (net.ipv4.vs.conntrack must be 1).
/// </remarks>
internal static class SourceNatRules
{
    public const string Chain = "IPVS-AGENT-POSTROUTING";

    public const string JumpComment = "ipvs-agent";

    public const string RuleComment = "ipvs-agent: source NAT of NAT connections";

    /// <summary>
    /// Restore input (for <c>--noflush</c>) that makes the chain hold exactly the rules for <paramref name="uplinks"/>
    /// (empty: one rule for every interface) and POSTROUTING jump to it once, given what <paramref name="current"/> shows.
    /// </summary>
    public static string Install(IReadOnlyList<string> uplinks, SourceNatState current)
    {
        ArgumentNullException.ThrowIfNull(uplinks);
        ArgumentNullException.ThrowIfNull(current);
        var text = new System.Text.StringBuilder("*nat\n");

        // Declaring a chain in a --noflush restore creates it if absent and empties it if present: the rules below
        // replace whatever it held, in one commit.
        text.Append(':').Append(Chain).Append(" - [0:0]\n");
        if (uplinks.Count == 0)
        {
            text.Append(Rule(null));
        }

        foreach (string uplink in uplinks)
        {
            text.Append(Rule(uplink));
        }

        if (current.Jumps.Count == 0)
        {
            text.Append("-A POSTROUTING -m comment --comment ").Append(JumpComment).Append(" -j ").Append(Chain).Append('\n');
        }

        foreach (string extra in current.Jumps.Skip(1))
        {
            text.Append("-D").Append(extra.AsSpan(2)).Append('\n');
        }

        return text.Append("COMMIT\n").ToString();
    }

    /// <summary>Restore input that removes the jumps <paramref name="state"/> found (as iptables-save printed them) and the chain.</summary>
    public static string Remove(SourceNatState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new System.Text.StringBuilder("*nat\n");
        foreach (string jump in state.Jumps)
        {
            text.Append("-D").Append(jump.AsSpan(2)).Append('\n');
        }

        if (state.HasChain)
        {
            text.Append("-F ").Append(Chain).Append('\n').Append("-X ").Append(Chain).Append('\n');
        }

        return text.Append("COMMIT\n").ToString();
    }

    /// <summary>What of the agent's source NAT <c>iptables-save -t nat</c> shows.</summary>
    public static SourceNatState Read(string saveOutput)
    {
        ArgumentNullException.ThrowIfNull(saveOutput);
        bool hasChain = false;
        var jumps = new List<string>();
        var rules = new List<string>();
        foreach (string raw in saveOutput.Split('\n'))
        {
            string line = raw.TrimEnd('\r', ' ');
            if (line == $":{Chain}" || line.StartsWith($":{Chain} ", StringComparison.Ordinal))
            {
                hasChain = true;
            }
            else if (line.StartsWith("-A POSTROUTING ", StringComparison.Ordinal) && line.EndsWith($" -j {Chain}", StringComparison.Ordinal))
            {
                jumps.Add(line);
            }
            else if (line.StartsWith($"-A {Chain} ", StringComparison.Ordinal))
            {
                rules.Add(line);
            }
        }

        return new SourceNatState(hasChain, jumps, rules);
    }

    /// <summary>
    /// True when <paramref name="state"/> is what <see cref="Install"/> makes for <paramref name="uplinks"/>: one jump,
    /// and one masquerade rule per uplink (one without <c>-o</c> for none). Compared by the options that matter, since
    /// iptables-save reorders a rule's options, and differently in its legacy and nft variants.
    /// </summary>
    public static bool IsInPlace(SourceNatState state, IReadOnlyList<string> uplinks)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(uplinks);
        if (!state.HasChain || state.Jumps.Count != 1 || state.Rules.Count != Math.Max(1, uplinks.Count))
        {
            return false;
        }

        return uplinks.Count == 0
            ? IsMasquerade(state.Rules[0]) && !state.Rules[0].Contains(" -o ", StringComparison.Ordinal)
            : uplinks.All(uplink => state.Rules.Any(rule => IsMasquerade(rule) && rule.Contains($" -o {uplink} ", StringComparison.Ordinal)));
    }

    private static bool IsMasquerade(string rule) =>
        rule.Contains("--vdir ORIGINAL", StringComparison.Ordinal) && rule.Contains("--vmethod MASQ", StringComparison.Ordinal)
        && rule.EndsWith(" -j MASQUERADE", StringComparison.Ordinal);

    private static string Rule(string? uplink) =>
        $"-A {Chain}{(uplink is null ? string.Empty : $" -o {uplink}")} -m ipvs --vdir ORIGINAL --vmethod MASQ -m comment --comment \"{RuleComment}\" -j MASQUERADE\n";
}
