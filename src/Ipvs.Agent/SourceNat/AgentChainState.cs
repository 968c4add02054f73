namespace Ipvs.Agent.SourceNat;

/// <summary>One of the agent's chains as iptables-save shows it: declared or not, the rules jumping to it, its own rules.</summary>
internal sealed record AgentChainState(bool HasChain, IReadOnlyList<string> Jumps, IReadOnlyList<string> Rules)
{
    public static readonly AgentChainState Absent = new(false, [], []);

    public bool IsPresent => HasChain || Jumps.Count > 0;
}
