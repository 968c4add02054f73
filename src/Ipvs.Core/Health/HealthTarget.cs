using Ipvs.Core.Model;

namespace Ipvs.Core.Health;

/// <summary>One real server of one virtual service: what is checked (the same backend in two services is checked for each, since their checks may differ).</summary>
public readonly record struct HealthTarget(VirtualServiceKey Service, RealServerKey Server)
{
    public override string ToString() => $"{Service} -> {Server}";
}
