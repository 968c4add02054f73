namespace Ipvs.Agent.SourceNat;

/// <summary>The agent's source NAT as one iptables backend shows it: its nat chain and its filter chain.</summary>
internal sealed record SourceNatState(AgentChainState Masquerade, AgentChainState Forward)
{
    public bool IsPresent => Masquerade.IsPresent || Forward.IsPresent;
}
