using System.Globalization;
using Ipvs.Core.Health;

namespace Ipvs.Agent.Health;

/// <summary>Health in the words of <c>status</c>: <c>up 3m (HTTP 200)</c>, <c>down 12s (connection refused, 3 failed)</c>.</summary>
internal static class HealthText
{
    public const string NotCheckedYet = "not checked yet";

    public const string Fallback = "fallback (serves while no other server does)";

    public static string Describe(ServerHealth health, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);
        if (health.Last is not { } last)
        {
            return NotCheckedYet;
        }

        string age = Age(now - health.Since);
        if (health.Up)
        {
            return health.ConsecutiveFailures == 0
                ? $"up {age} ({last.Detail})"
                : $"up {age} ({last.Detail}, {health.ConsecutiveFailures} failed)";
        }

        return health.ConsecutiveFailures > 0
            ? $"down {age} ({last.Detail}, {health.ConsecutiveFailures} failed)"
            : $"down {age} ({last.Detail}, {health.ConsecutivePasses} passed)";
    }

    public static string Stale(DateTimeOffset writtenAt, DateTimeOffset now) => $"stale (saved {Age(now - writtenAt)} ago)";

    /// <summary>One unit, rounded down, as an operator reads an age at a glance: <c>12s</c>, <c>3m</c>, <c>5h</c>, <c>4d</c>.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{((int)age.TotalDays).ToString(CultureInfo.InvariantCulture)}d";
    }
}
