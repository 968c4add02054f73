using System.Globalization;
using System.Text;

namespace Ipvs.Core.Timing;

/// <summary>Durations as operators write them: <c>500ms</c>, <c>10s</c>, <c>1m</c>, <c>1m30s</c>, <c>2h</c>.</summary>
public static class DurationText
{
    /// <summary>The longest duration the agent accepts: the longest wait .NET timers and <c>Task.Delay</c> take (about 49.7 days), rounded down.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(49);

    /// <summary>Parses a duration; false when the text is not one, or when it exceeds <see cref="TimeSpan"/> (see <see cref="TryParseMilliseconds"/>).</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (!TryParseMilliseconds(text, out double milliseconds) || milliseconds >= TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    /// <summary>Parses a duration into milliseconds, never overflowing: a huge text gives a huge (or infinite) value for the caller to bound.</summary>
    public static bool TryParseMilliseconds(string? text, out double total)
    {
        total = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> rest = text.AsSpan().Trim();
        while (!rest.IsEmpty)
        {
            int digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            int letters = digits;
            while (letters < rest.Length && char.IsAsciiLetter(rest[letters]))
            {
                letters++;
            }

            if (digits == 0 || letters == digits
                || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
            {
                return false;
            }

            double? unitMilliseconds = rest[digits..letters] switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (unitMilliseconds is null)
            {
                return false;
            }

            total += value * unitMilliseconds.Value;
            rest = rest[letters..];
        }

        return !double.IsNaN(total);
    }

    /// <summary>The shortest form that <see cref="TryParse"/> reads back: <c>10s</c>, <c>1m30s</c>, <c>250ms</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        Append(text, (long)duration.TotalHours, "h");
        Append(text, duration.Minutes, "m");
        Append(text, duration.Seconds, "s");
        Append(text, duration.Milliseconds, "ms");
        return text.ToString();
    }

    private static void Append(StringBuilder text, long value, string unit)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
