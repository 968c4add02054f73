using System.Globalization;
using Ipvs.Core.Timing;

namespace Ipvs.Core.Health;

/// <summary>
/// The words of a health check, spelled once: the static services file's <c>check:</c> keys and the
/// <c>ipvs.&lt;svc&gt;.check-&lt;option&gt;</c> labels both parse through here, so they cannot drift apart.
/// </summary>
public static class HealthCheckParser
{
    /// <summary>The word that turns checking off (a server's override of its service's check).</summary>
    public const string Off = "off";

    /// <summary>The services file's key and the label option (<c>ipvs.&lt;svc&gt;.check</c>) that declare a check.</summary>
    public const string DeclarationKey = "check";

    /// <summary>The option that names the kind in the mapping form; the labels give it in <see cref="DeclarationKey"/>'s shorthand.</summary>
    public const string KindOption = "type";

    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaximumInterval = TimeSpan.FromHours(1);

    public const int MaximumCount = 100;

    private static readonly (string Name, HealthCheckKind Kind)[] _kinds = [("tcp", HealthCheckKind.Tcp), ("http", HealthCheckKind.Http), ("https", HealthCheckKind.Https)];
    private static readonly (string Name, HealthFailureAction Action)[] _actions = [("weight0", HealthFailureAction.Weight0), ("remove", HealthFailureAction.Remove)];

    /// <summary>The options a check takes, in the order the README lists them.</summary>
    public static IReadOnlyList<string> Options { get; } =
        [KindOption, "path", "port", "status", "host", "interval", "timeout", "rise", "fall", "start", "on-failure", "verify-certificate"];

    public static IReadOnlyList<string> KindNames { get; } = [.. _kinds.Select(kind => kind.Name)];

    public static IReadOnlyList<string> ActionNames { get; } = [.. _actions.Select(action => action.Name)];

    public static string Name(HealthCheckKind kind) => _kinds.First(entry => entry.Kind == kind).Name;

    public static string Name(HealthFailureAction action) => _actions.First(entry => entry.Action == action).Name;

    /// <summary>
    /// Parses the short form: <c>tcp</c>, <c>http</c>, <c>http:/healthz</c>, <c>https:/healthz</c>, or <c>off</c>
    /// (<paramref name="check"/> null), every other option at its default.
    /// </summary>
    public static bool TryParseShorthand(string? text, out HealthCheck? check, out string error)
    {
        check = null;
        error = string.Empty;
        string value = (text ?? string.Empty).Trim();
        if (value == Off)
        {
            return true;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string kindText = colon < 0 ? value : value[..colon];
        if (!TryParseKind(kindText, out HealthCheckKind kind))
        {
            error = $"expected {string.Join(", ", KindNames)} (http and https may add :/PATH), or {Off}";
            return false;
        }

        check = HealthCheck.Of(kind);
        if (colon < 0)
        {
            return true;
        }

        if (kind == HealthCheckKind.Tcp)
        {
            error = "a tcp check takes no path";
            return false;
        }

        return TryApply(check, "path", value[(colon + 1)..], out check!, out error);
    }

    /// <summary>Sets one option (one of <see cref="Options"/>) from its text.</summary>
    public static bool TryApply(HealthCheck check, string option, string? text, out HealthCheck result, out string error)
    {
        ArgumentNullException.ThrowIfNull(check);
        result = check;
        error = string.Empty;
        string value = (text ?? string.Empty).Trim();
        switch (option)
        {
            case KindOption:
                if (!TryParseKind(value, out HealthCheckKind kind))
                {
                    error = $"expected {string.Join(", ", KindNames)}";
                    return false;
                }

                result = check with { Kind = kind };
                return true;
            case "path":
                if (!value.StartsWith('/') || value.Any(c => char.IsControl(c) || c == ' '))
                {
                    error = "expected a path that starts with '/' and has no spaces";
                    return false;
                }

                result = check with { Path = value };
                return true;
            case "port":
                if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
                {
                    error = "expected a port from 1 to 65535";
                    return false;
                }

                result = check with { Port = port };
                return true;
            case "status":
                if (!TryParseStatus(value, out int low, out int high))
                {
                    error = "expected an HTTP status or a range of them, such as 200 or 200-399";
                    return false;
                }

                result = check with { StatusLow = low, StatusHigh = high };
                return true;
            case "host":
                if (value.Length == 0 || value.Any(c => char.IsControl(c) || c == ' ' || c == '/'))
                {
                    error = "expected a host name for the Host header";
                    return false;
                }

                result = check with { Host = value };
                return true;
            case "interval":
            case "timeout":
                if (!DurationText.TryParse(value, out TimeSpan duration) || duration < MinimumInterval || duration > MaximumInterval)
                {
                    error = $"expected a duration from {DurationText.Format(MinimumInterval)} to {DurationText.Format(MaximumInterval)}, such as 2s";
                    return false;
                }

                result = option == "interval" ? check with { Interval = duration } : check with { Timeout = duration };
                return true;
            case "rise":
            case "fall":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > MaximumCount)
                {
                    error = $"expected a count from 1 to {MaximumCount}";
                    return false;
                }

                result = option == "rise" ? check with { Rise = count } : check with { Fall = count };
                return true;
            case "start":
                if (value is not ("up" or "down"))
                {
                    error = "expected up (serves until its checks fail) or down (serves once rise checks pass)";
                    return false;
                }

                result = check with { StartsUp = value == "up" };
                return true;
            case "on-failure":
                int action = Array.FindIndex(_actions, entry => entry.Name == value);
                if (action < 0)
                {
                    error = $"expected {string.Join(" or ", ActionNames)}";
                    return false;
                }

                result = check with { OnFailure = _actions[action].Action };
                return true;
            case "verify-certificate":
                if (value is not ("true" or "false"))
                {
                    error = "expected true or false";
                    return false;
                }

                result = check with { VerifyCertificate = value == "true" };
                return true;
            default:
                error = $"unknown check option '{option}'; known options are {string.Join(", ", Options)}";
                return false;
        }
    }

    /// <summary>What is wrong with the options together, or null: each one may be fine alone and the whole still not.</summary>
    public static string? Problem(HealthCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (check.Timeout > check.Interval)
        {
            return $"the check timeout {DurationText.Format(check.Timeout)} is longer than its interval {DurationText.Format(check.Interval)}";
        }

        if (!check.IsHttp && (check.Path != "/" || check.Host is not null || check.StatusLow != 200 || check.StatusHigh != 399 || check.VerifyCertificate))
        {
            return "path, status, host and verify-certificate belong to http and https checks, not to a tcp check";
        }

        if (check.Kind == HealthCheckKind.Http && check.VerifyCertificate)
        {
            return "verify-certificate belongs to an https check";
        }

        return null;
    }

    private static bool TryParseKind(string text, out HealthCheckKind kind)
    {
        int index = Array.FindIndex(_kinds, entry => entry.Name == text);
        kind = index < 0 ? default : _kinds[index].Kind;
        return index >= 0;
    }

    private static bool TryParseStatus(string text, out int low, out int high)
    {
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        string lowText = dash < 0 ? text : text[..dash];
        string highText = dash < 0 ? text : text[(dash + 1)..];
        high = 0;
        return int.TryParse(lowText, NumberStyles.None, CultureInfo.InvariantCulture, out low)
            && int.TryParse(highText, NumberStyles.None, CultureInfo.InvariantCulture, out high)
            && low is >= 100 and <= 599 && high is >= 100 and <= 599 && low <= high;
    }
}
