using Microsoft.Extensions.Time.Testing;

namespace Ipvs.Docker.Tests.Support;

/// <summary>Lets background loops that run on fake time make progress in real time.</summary>
internal static class Eventually
{
    /// <summary>Waits (in real time, up to 10 s) until <paramref name="condition"/> holds, failing with <paramref name="what"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Lets the loops settle, then advances fake time in small steps so that every timer due on the way fires in order.</summary>
    public static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        TimeSpan step = TimeSpan.FromMilliseconds(50);
        for (TimeSpan done = TimeSpan.Zero; done < by; done += step)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
            time.Advance(step < by - done ? step : by - done);
        }

        await Task.Delay(20, TestContext.Current.CancellationToken);
    }
}
