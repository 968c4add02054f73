using Ipvs.Agent.Commands;
using Ipvs.Agent.Health;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Engine;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Commands;

/// <summary><c>verify</c> with the daemon's saved health: what the daemon did because of a check is no difference.</summary>
public sealed class VerifyCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);
    private static readonly RealServer First = Server("10.1.1.2");
    private static readonly RealServer Second = Server("10.1.1.3");
    private static readonly RealServer Sorry = Server("10.1.1.9");
    private static readonly OwnershipRecord Owned = OwnershipRecord.Empty.WithService(Tcp("10.99.0.10"));

    private static ServiceDeclaration Checked(HealthFailureAction onFailure = HealthFailureAction.Weight0, RealServer? fallback = null) =>
        Declare(Service("10.99.0.10"), First, Second) with { Check = HealthCheck.Of(HealthCheckKind.Http) with { OnFailure = onFailure }, Fallback = fallback };

    private static HealthStateReader Saved(params RealServer[] down) => new(new HealthState(Now, down.ToDictionary(
        server => new HealthTarget(Tcp("10.99.0.10"), server.Key),
        server => new HealthStateEntry(HealthCheckKind.Http, server.Port, "/", HealthCheck.DefaultInterval,
            new ServerHealth(false, Now, 0, 3, new CheckResult(false, "connection refused", TimeSpan.FromMilliseconds(1), Now))))));

    private static KernelTable Kernel(params RealServer[] servers) =>
        KernelTable.Create([new KernelService(Service("10.99.0.10"), default, servers.Select(server => new KernelRealServer(server, default)))]);

    private static IReadOnlyList<string> Differences(ServiceDeclaration declaration, IServerHealthSource? health, KernelTable kernel)
    {
        DesiredInput input = new DesiredStateAssembler([Source(declaration)], null, health: health).Assemble();
        return VerifyCommand.Compare(input.State, kernel, Owned, Policy, input.Problems).Differences;
    }

    [Fact]
    public void Compare_ServerDownAtWeightZero_IsNoDifference()
    {
        KernelTable kernel = Kernel(First.WithWeight(0), Second);

        Assert.Empty(Differences(Checked(), Saved(First), kernel));
    }

    [Fact]
    public void Compare_ServerAtWeightZeroWithoutSavedHealth_IsADifference()
    {
        KernelTable kernel = Kernel(First.WithWeight(0), Second);

        Assert.Contains("10.1.1.2:8080", Assert.Single(Differences(Checked(), Saved(), kernel)), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_ServerDownAndRemoved_IsNoDifference()
    {
        KernelTable kernel = Kernel(Second);

        Assert.Empty(Differences(Checked(HealthFailureAction.Remove), Saved(First), kernel));
    }

    [Fact]
    public void Compare_EveryServerDownAndTheFallbackIn_IsNoDifference()
    {
        KernelTable kernel = Kernel(First.WithWeight(0), Second.WithWeight(0), Sorry);

        Assert.Empty(Differences(Checked(fallback: Sorry), Saved(First, Second), kernel));
    }

    [Fact]
    public void Compare_FallbackInWhileAServerIsUp_IsADifference()
    {
        KernelTable kernel = Kernel(First.WithWeight(0), Second, Sorry);

        Assert.Contains("10.1.1.9:8080", Assert.Single(Differences(Checked(fallback: Sorry), Saved(First), kernel)), StringComparison.Ordinal);
    }
}
