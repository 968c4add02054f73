using Ipvs.Docker.Source;

namespace Ipvs.Docker.Tests.Source;

public sealed class DockerTimeTests
{
    [Theory]
    [InlineData("2026-11-25T13:43:17.885011284Z", 8850112)]
    [InlineData("2026-11-25T13:43:17.8850112Z", 8850112)]
    [InlineData("2026-11-25T13:43:17.885Z", 8850000)]
    [InlineData("2026-11-25T13:43:17Z", 0)]
    public void TryParse_GoTimestamps_TruncatesToTicks(string text, long fractionTicks)
    {
        Assert.True(DockerTime.TryParse(text, out DateTimeOffset time));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 43, 17, TimeSpan.Zero).AddTicks(fractionTicks), time);
    }

    [Fact]
    public void TryParse_OffsetZone_ConvertsToUtc()
    {
        Assert.True(DockerTime.TryParse("2026-11-25T14:43:17.000000001+01:00", out DateTimeOffset time));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 43, 17, TimeSpan.Zero), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("yesterday")]
    public void TryParse_NeverOrGarbage_ReturnsFalse(string? text) => Assert.False(DockerTime.TryParse(text, out _));

    [Fact]
    public void TryParse_SameInstantAsAnEventsTimeNano_ComparesEqual()
    {
        // A container's StartedAt and an event stamped in the same nanosecond must not compare as later or earlier.
        Assert.True(DockerTime.TryParse("2026-11-25T13:43:08.934398292Z", out DateTimeOffset startedAt));
        Assert.Equal(DockerEvent.FromTimeNano(1795614188934398292), startedAt);
    }
}
