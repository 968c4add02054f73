using Ipvs.Agent.Health;
using Ipvs.Core.Health;

namespace Ipvs.Agent.Tests.Health;

public sealed class HealthTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);

    private static CheckResult Result(bool passed, string detail) => new(passed, detail, TimeSpan.FromMilliseconds(1), Now);

    [Fact]
    public void Describe_UpForThreeMinutes_SaysUpTheAgeAndTheLastResult()
    {
        var health = new ServerHealth(true, Now.AddMinutes(-3), 5, 0, Result(true, "HTTP 200"));

        Assert.Equal("up 3m (HTTP 200)", HealthText.Describe(health, Now));
    }

    [Fact]
    public void Describe_Down_SaysTheFailuresInARow()
    {
        var health = new ServerHealth(false, Now.AddSeconds(-12), 0, 3, Result(false, "connection refused"));

        Assert.Equal("down 12s (connection refused, 3 failed)", HealthText.Describe(health, Now));
    }

    [Fact]
    public void Describe_DownAndRising_SaysThePassesInARow()
    {
        var health = new ServerHealth(false, Now.AddHours(-5), 1, 0, Result(true, "HTTP 200"));

        Assert.Equal("down 5h (HTTP 200, 1 passed)", HealthText.Describe(health, Now));
    }

    [Fact]
    public void Describe_UpAndFailing_SaysTheFailuresSoFar()
    {
        var health = new ServerHealth(true, Now.AddDays(-3), 0, 2, Result(false, "HTTP 503, expected 200-399"));

        Assert.Equal("up 3d (HTTP 503, expected 200-399, 2 failed)", HealthText.Describe(health, Now));
    }

    [Fact]
    public void Describe_NoCheckYet_SaysNotCheckedYet()
    {
        Assert.Equal("not checked yet", HealthText.Describe(ServerHealth.Unchecked(HealthCheck.Of(HealthCheckKind.Tcp), Now), Now));
    }

    [Theory]
    [InlineData(-5, "0s")]
    [InlineData(59.9, "59s")]
    [InlineData(60, "1m")]
    [InlineData(3599, "59m")]
    [InlineData(3600, "1h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(48 * 3600, "2d")]
    public void Age_Seconds_OneUnitRoundedDown(double seconds, string expected)
    {
        Assert.Equal(expected, HealthText.Age(TimeSpan.FromSeconds(seconds)));
    }
}
