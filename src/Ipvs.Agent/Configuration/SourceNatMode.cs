namespace Ipvs.Agent.Configuration;

/// <summary>Which NAT connections the agent source-NATs (<c>sourceNat</c>): README "Source NAT".</summary>
public enum SourceNatMode
{
    /// <summary>Those leaving through the node's uplink: real servers on other hosts; local ones keep the client's address.</summary>
    Auto,

    /// <summary>Every NAT connection, whatever interface it leaves by (as swarm's ingress does).</summary>
    All,

    /// <summary>None; rules the agent put in place earlier are removed.</summary>
    Off,
}
