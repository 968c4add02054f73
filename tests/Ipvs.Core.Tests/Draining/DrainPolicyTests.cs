using Ipvs.Core.Draining;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Draining;

public sealed class DrainPolicyTests
{
    private static readonly Drain Drain = new DrainPolicy(TimeSpan.FromMinutes(2)).Start(Tcp("10.99.0.10", 80), Server("10.1.1.2", 80).Key, Now);

    [Theory]
    [InlineData(80_000_000)]
    [InlineData(256_000_000)]
    public void Start_TimeoutBeyondTheCalendar_DeadlineSaturatesInsteadOfOverflowing(int hours)
    {
        Drain drain = new DrainPolicy(TimeSpan.FromHours(hours)).Start(Tcp("10.99.0.10", 80), Server("10.1.1.2", 80).Key, Now);

        Assert.Equal(DateTimeOffset.MaxValue, drain.Deadline);
    }

    [Fact]
    public void Start_SetsDeadlineFromTimeout()
    {
        Assert.Equal(Now.AddMinutes(2), Drain.Deadline);
    }

    [Theory]
    [InlineData(3, 0, DrainVerdict.Wait)]
    [InlineData(0, 0, DrainVerdict.Delete)]
    [InlineData(0, 4, DrainVerdict.Wait)]
    public void Continue_BeforeDeadline_WaitsOnlyWhileConnectionsRemain(uint active, uint inactive, DrainVerdict expected)
    {
        Assert.Equal(expected, DrainPolicy.Continue(Drain, Connections(active, inactive), Now.AddMinutes(1)).Verdict);
    }

    [Fact]
    public void Continue_AtDeadline_Deletes()
    {
        Assert.Equal(DrainVerdict.Delete, DrainPolicy.Continue(Drain, Connections(10), Now.AddMinutes(2)).Verdict);
    }

    [Fact]
    public void Begin_Udp_DeletesAtOnce()
    {
        Assert.Equal(DrainVerdict.Delete, DrainPolicy.Default.Begin(Udp("10.99.0.53", 53), Connections(10)).Verdict);
        Assert.Equal(DrainVerdict.Wait, DrainPolicy.Default.Begin(Tcp("10.99.0.53", 53), Connections(10)).Verdict);
    }

    [Fact]
    public void Begin_TimeoutZero_DeletesAtOnceEvenWithConnections()
    {
        DrainDecision decision = new DrainPolicy(TimeSpan.Zero).Begin(Tcp("10.99.0.53", 80), Connections(10));

        Assert.Equal(DrainVerdict.Delete, decision.Verdict);
        Assert.Equal("not desired; drain timeout 0, deleted at once with 10 connections", decision.Reason);
        Assert.Equal(DrainVerdict.Delete, new DrainPolicy(TimeSpan.Zero).Begin(Tcp("10.99.0.53", 80), Connections(0)).Verdict);
    }
}
