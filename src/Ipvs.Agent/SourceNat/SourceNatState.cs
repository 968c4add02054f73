namespace Ipvs.Agent.SourceNat;

/// <summary>The agent's source NAT as one iptables backend shows it: its nat chain and its filter chain.</summary>
internal sealed record SourceNatState(AgentChainState Masquerade, AgentChainState Forward)
{
    /// <summary>A backend without the tables: neither chain, no jump.</summary>
    public static readonly SourceNatState Absent = new(AgentChainState.Absent, AgentChainState.Absent);

    public bool IsPresent => Masquerade.IsPresent || Forward.IsPresent;
}
