using System.Globalization;

namespace Ipvs.Docker.Source;

/// <summary>Timing of <see cref="DockerSource"/>.</summary>
/// <param name="QuietPeriod">An event this long or longer after the last relist is relisted at once; one closer to it
/// waits until no further event came for this long (coalesces bursts).</param>
/// <param name="MaxCoalesceDelay">Relist at the latest this long after the first event of a burst, even if events keep coming.</param>
/// <param name="RelistInterval">Full relist even without events: the safety net for missed events and remote swarm tasks.</param>
/// <param name="InitialBackoff">Wait before the first reconnection attempt; doubles per failure.</param>
/// <param name="MaxBackoff">Longest wait between reconnection attempts.</param>
public sealed record DockerSourceOptions(
    TimeSpan QuietPeriod,
    TimeSpan MaxCoalesceDelay,
    TimeSpan RelistInterval,
    TimeSpan InitialBackoff,
    TimeSpan MaxBackoff)
{
    public static readonly DockerSourceOptions Default = new(
        QuietPeriod: TimeSpan.FromMilliseconds(250),
        MaxCoalesceDelay: TimeSpan.FromSeconds(2),
        RelistInterval: TimeSpan.FromSeconds(30),
        InitialBackoff: TimeSpan.FromSeconds(1),
        MaxBackoff: TimeSpan.FromSeconds(30));

    /// <summary>
    /// While swarm tasks are starting (<see cref="Discovery.SwarmInventory.HasTasksStarting"/>) and after a swarm service
    /// or node event, the first relist comes this long after the last one, then twice as long each time up to
    /// <see cref="RelistInterval"/>: a task that starts on another node is in every table seconds later, not at the next
    /// periodic relist.
    /// </summary>
    public TimeSpan SwarmSettleInterval { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        Positive(SwarmSettleInterval, nameof(SwarmSettleInterval));
        Positive(QuietPeriod, nameof(QuietPeriod));
        Positive(MaxCoalesceDelay, nameof(MaxCoalesceDelay));
        Positive(RelistInterval, nameof(RelistInterval));
        Positive(InitialBackoff, nameof(InitialBackoff));
        if (MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException($"Docker source: MaxBackoff {MaxBackoff} is shorter than InitialBackoff {InitialBackoff}.", nameof(MaxBackoff));
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Docker source: {name} must be positive, got {value.ToString("c", CultureInfo.InvariantCulture)}.", name);
        }
    }
}
