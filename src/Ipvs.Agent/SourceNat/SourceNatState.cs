namespace Ipvs.Agent.SourceNat;

/// <summary>The agent's source NAT as one iptables backend shows it: its chain, the POSTROUTING rules that jump to it, the chain's rules.</summary>
internal sealed record SourceNatState(bool HasChain, IReadOnlyList<string> Jumps, IReadOnlyList<string> Rules)
{
    public bool IsPresent => HasChain || Jumps.Count > 0;
}
