using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Core.Reconciling;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Reconciling;

public sealed class HealthFilterTests
{
    private static readonly VirtualServiceKey Web = Tcp("10.99.0.10", 80);
    private static readonly RealServer First = Server("10.1.1.2", 80, weight: 3);
    private static readonly RealServer Second = Server("10.1.1.3", 80, weight: 2);
    private static readonly RealServer Sorry = Server("10.1.1.9", 80, weight: 5);
    private static readonly HealthCheck Check = HealthCheck.Of(HealthCheckKind.Http);

    private static DesiredState Declare(HealthCheck? check, RealServer? fallback = null, IReadOnlyDictionary<RealServerKey, HealthCheck?>? overrides = null) =>
        new DesiredStateMerger().Merge(1, [new ServiceDeclaration(StaticSource, Service(Web), [First, Second], "web", check, overrides, fallback)]).State;

    private static Func<HealthTarget, ServerHealth?> Down(params RealServer[] servers) =>
        target => servers.Any(server => server.Key == target.Server) ? new ServerHealth(false, Now, 0, 3, null) : new ServerHealth(true, Now, 1, 0, null);

    private static Dictionary<RealServerKey, int> Weights(DesiredState state) =>
        state.Services[Web].RealServers.ToDictionary(pair => pair.Key, pair => pair.Value.Server.Weight);

    [Fact]
    public void Apply_AllUp_ReturnsTheSameState()
    {
        DesiredState desired = Declare(Check, Sorry);

        Assert.Same(desired, HealthFilter.Apply(desired, Down()));
    }

    [Fact]
    public void Apply_DownServerWithWeight0Action_KeepsItAtWeight0()
    {
        DesiredState filtered = HealthFilter.Apply(Declare(Check), Down(First));

        Assert.Equal(new Dictionary<RealServerKey, int> { [First.Key] = 0, [Second.Key] = 2 }, Weights(filtered));
    }

    [Fact]
    public void Apply_DownServerWithRemoveAction_LeavesItOut()
    {
        DesiredState filtered = HealthFilter.Apply(Declare(Check with { OnFailure = HealthFailureAction.Remove }), Down(First));

        Assert.Equal(new Dictionary<RealServerKey, int> { [Second.Key] = 2 }, Weights(filtered));
        Assert.Equal([First.Key], filtered.Services[Web].RemovedAtOnce);
    }

    [Fact]
    public void Apply_UnknownHealth_UsesTheCheckStartState()
    {
        DesiredState desired = Declare(Check with { StartsUp = false });

        DesiredState filtered = HealthFilter.Apply(desired, _ => null);

        Assert.All(Weights(filtered).Values, weight => Assert.Equal(0, weight));
    }

    [Fact]
    public void Apply_ServerNotChecked_ServesWhateverTheOthersDo()
    {
        DesiredState desired = Declare(Check, overrides: new Dictionary<RealServerKey, HealthCheck?> { [Second.Key] = null });

        DesiredState filtered = HealthFilter.Apply(desired, Down(First, Second));

        Assert.Equal(new Dictionary<RealServerKey, int> { [First.Key] = 0, [Second.Key] = 2 }, Weights(filtered));
    }

    [Fact]
    public void Apply_EveryServerDown_AddsTheFallbackWithItsWeight()
    {
        DesiredState filtered = HealthFilter.Apply(Declare(Check with { OnFailure = HealthFailureAction.Remove }, Sorry), Down(First, Second));

        Assert.Equal(new Dictionary<RealServerKey, int> { [Sorry.Key] = 5 }, Weights(filtered));
        Assert.Equal(StaticSource, filtered.Services[Web].RealServers[Sorry.Key].Source);
    }

    [Fact]
    public void Apply_OneServerUp_LeavesTheFallbackOut()
    {
        DesiredState filtered = HealthFilter.Apply(Declare(Check, Sorry), Down(First));

        Assert.DoesNotContain(Sorry.Key, filtered.Services[Web].RealServers.Keys);
    }

    [Fact]
    public void Apply_EveryServerAtWeight0_AddsTheFallbackBesideThem()
    {
        DesiredState filtered = HealthFilter.Apply(Declare(Check, Sorry), Down(First, Second));

        Assert.Equal(new Dictionary<RealServerKey, int> { [First.Key] = 0, [Second.Key] = 0, [Sorry.Key] = 5 }, Weights(filtered));
        Assert.Equal(Sorry, filtered.Services[Web].Fallback);
    }
}
