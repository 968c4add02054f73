using System.Globalization;

namespace Ipvs.Docker.Source;

/// <summary>Docker's timestamps (Go's RFC 3339 with up to nine fractional digits: <c>2026-11-28T08:26:40.437495094Z</c>).</summary>
public static class DockerTime
{
    /// <summary>
    /// Parses a timestamp, truncated to .NET's 100 ns ticks as <see cref="DockerEvent.FromTimeNano"/> truncates an event's
    /// time, so that the two compare in the order Docker took them. Go's zero time (<c>0001-01-01T00:00:00Z</c>, "never")
    /// and anything unparsable give false.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        // .NET takes at most seven fractional digits: drop the rest of a nanosecond fraction.
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
            && time.Year > 1;
    }
}
