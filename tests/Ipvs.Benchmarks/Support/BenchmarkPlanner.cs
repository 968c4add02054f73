using Ipvs.Core.Draining;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Benchmarks.Support;

/// <summary>The planner the host benchmarks plan with: the VIPs of <see cref="StaticDeclarations"/> allowed, default drains.</summary>
internal static class BenchmarkPlanner
{
    public static Planner Create() => new(
        new OwnershipPolicy([AddressBlock.Parse("10.0.0.0/8")], [new FirewallMarkRange(1, 1000)]),
        DrainPolicy.Default);
}
