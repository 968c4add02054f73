using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Docker.Labels;

/// <summary>Where a labelled service's real-server address comes from.</summary>
public enum AddressMode
{
    /// <summary>The container's (or task's) own IP on the chosen network: <c>ipvs.&lt;svc&gt;.address=container</c>, the default.</summary>
    Container,
    /// <summary>The node's IP and the host port Docker published: <c>ipvs.&lt;svc&gt;.address=published</c>.</summary>
    Published,
}

/// <summary>
/// One <c>&lt;svc&gt;</c> of a container's or swarm service's <c>ipvs.&lt;svc&gt;.*</c> labels, checked and with defaults applied.
/// </summary>
/// <param name="Name">The <c>&lt;svc&gt;</c> part of the label names.</param>
/// <param name="Vip">The virtual address, or default for a firewall-mark service.</param>
/// <param name="VipPort">The virtual port; 0 for a firewall-mark service.</param>
/// <param name="FirewallMark">The firewall mark, or 0 for an address service.</param>
/// <param name="TargetPort">The port inside the container; 0 (firewall-mark service without <c>port</c>) keeps the client's port.</param>
/// <param name="Protocol">Transport protocol: the service's for an address service, the published port's in published mode.</param>
/// <param name="Scheduler">IPVS scheduler name.</param>
/// <param name="Weight">Real-server weight.</param>
/// <param name="Method">Forwarding method.</param>
/// <param name="PersistenceSeconds">Persistence timeout; 0 = not persistent.</param>
/// <param name="Network">The network whose address is used, or null for "the only one".</param>
/// <param name="AddressMode">Container address or node address + published port.</param>
/// <param name="Check">The active health check of the real server (<c>ipvs.&lt;svc&gt;.check*</c>), or null.</param>
public sealed record ServiceLabels(
    string Name,
    NetAddress Vip,
    ushort VipPort,
    uint FirewallMark,
    ushort TargetPort,
    IpvsProtocol Protocol,
    string Scheduler,
    int Weight,
    ForwardingMethod Method,
    uint PersistenceSeconds,
    string? Network,
    AddressMode AddressMode,
    HealthCheck? Check = null)
{
    public bool IsFirewallMark => FirewallMark != 0;

    /// <summary>The kernel identity of the service; a firewall-mark service takes the family of its real servers.</summary>
    public VirtualServiceKey KeyFor(IpFamily serverFamily) => IsFirewallMark
        ? VirtualServiceKey.ForFirewallMark(serverFamily, FirewallMark)
        : VirtualServiceKey.ForAddress(Protocol, Vip, VipPort);

    /// <summary>The family the real-server address must have: the VIP's, or null when any will do (firewall mark).</summary>
    public IpFamily? RequiredServerFamily => IsFirewallMark ? null : Vip.Family;

    /// <summary>The service configuration the labels ask for.</summary>
    public VirtualService ServiceFor(VirtualServiceKey key) => PersistenceSeconds == 0
        ? VirtualService.Create(key, Scheduler)
        : VirtualService.Create(key, Scheduler) with { Flags = ServiceFlags.Persistent, TimeoutSeconds = PersistenceSeconds };
}
