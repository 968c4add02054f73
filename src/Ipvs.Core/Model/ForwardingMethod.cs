namespace Ipvs.Core.Model;

/// <summary>How IPVS forwards a packet to a real server (IP_VS_CONN_F_* forwarding bits).</summary>
public enum ForwardingMethod : byte
{
    /// <summary>NAT: destination address rewritten; replies must come back through this node.</summary>
    Masquerade = 0,
    /// <summary>The real server is this node itself.</summary>
    Local = 1,
    /// <summary>IP-in-IP (or GUE/GRE) encapsulation.</summary>
    Tunnel = 2,
    /// <summary>Direct routing: the frame is sent to the real server's MAC, addresses unchanged.</summary>
    Route = 3,
}
