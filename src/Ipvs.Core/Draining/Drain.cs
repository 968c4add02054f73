using Ipvs.Core.Model;

namespace Ipvs.Core.Draining;

/// <summary>A real server the agent took out of service (weight 0) and will delete once it is idle or the deadline passes.</summary>
public sealed record Drain(VirtualServiceKey Service, RealServerKey Server, DateTimeOffset StartedAt, DateTimeOffset Deadline)
{
    public DrainKey Key => new(Service, Server);
}

/// <summary>Identity of a drain: which real server of which service.</summary>
public readonly record struct DrainKey(VirtualServiceKey Service, RealServerKey Server)
{
    public override string ToString() => $"{Service}: real server {Server}";
}
