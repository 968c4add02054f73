using Ipvs.Core.Health;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Health;

public sealed class ServerHealthTests
{
    private static readonly HealthCheck Check = HealthCheck.Of(HealthCheckKind.Tcp) with { Rise = 2, Fall = 3 };

    private static CheckResult Pass(int second) => new(true, "connected", TimeSpan.FromMilliseconds(1), Now.AddSeconds(second));

    private static CheckResult Fail(int second) => new(false, "connection refused", TimeSpan.FromMilliseconds(1), Now.AddSeconds(second));

    [Fact]
    public void Unchecked_StartsUpOrDown_AsTheCheckSays()
    {
        Assert.True(ServerHealth.Unchecked(Check, Now).Up);
        Assert.False(ServerHealth.Unchecked(Check with { StartsUp = false }, Now).Up);
    }

    [Fact]
    public void After_FallFailuresInARow_GoesDownAtTheLast()
    {
        ServerHealth health = ServerHealth.Unchecked(Check, Now).After(Fail(1), Check).After(Fail(2), Check);
        Assert.True(health.Up);
        Assert.Equal(2, health.ConsecutiveFailures);

        health = health.After(Fail(3), Check);

        Assert.False(health.Up);
        Assert.Equal(Now.AddSeconds(3), health.Since);
        Assert.Equal("connection refused", health.Last!.Detail);
    }

    [Fact]
    public void After_APassBetweenFailures_StartsTheCountAgain()
    {
        ServerHealth health = ServerHealth.Unchecked(Check, Now)
            .After(Fail(1), Check).After(Fail(2), Check).After(Pass(3), Check).After(Fail(4), Check).After(Fail(5), Check);

        Assert.True(health.Up);
        Assert.Equal(Now, health.Since);
    }

    [Fact]
    public void After_RisePassesWhileDown_ComesUpAtTheLast()
    {
        ServerHealth health = ServerHealth.Unchecked(Check with { StartsUp = false }, Now).After(Pass(1), Check);
        Assert.False(health.Up);

        health = health.After(Pass(2), Check);

        Assert.True(health.Up);
        Assert.Equal((Now.AddSeconds(2), 2, 0), (health.Since, health.ConsecutivePasses, health.ConsecutiveFailures));
    }
}
