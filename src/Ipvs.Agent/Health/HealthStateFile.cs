using System.Globalization;
using System.Text;
using System.Text.Json;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Health;

/// <summary>
/// <c>health.json</c> in the state directory: the daemon's health checks, so that the one-shot verbs see what the
/// daemon sees (<c>verify</c> expects a down server at weight 0, <c>status</c> shows why).
/// </summary>
/// <remarks>
/// <code>
/// { "writtenAt": "2026-12-04T15:00:00+00:00",
///   "targets": [ { "service": "TCP 10.99.0.10:80", "server": "10.1.1.2:8080",
///                  "check": "http", "port": 8080, "path": "/healthz", "intervalMs": 5000,
///                  "up": false, "since": "...", "consecutivePasses": 0, "consecutiveFailures": 3,
///                  "last": { "passed": false, "detail": "connection refused", "durationMs": 0.4, "at": "..." } } ] }
/// </code>
/// </remarks>
internal static class HealthStateFile
{
    public const string FileName = "health.json";

    private const int FlushAt = 16 * 1024;

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>
    /// Replaces the file atomically (a reader sees the old or the new content, never a torn one), written straight into
    /// the file: at 10k checks it is megabytes a second, which as one string and its bytes would be large-object-heap
    /// garbage forcing full collections (a third of the CPU in a lab profile of 1k failing checks). Not fsynced: it
    /// mirrors the running daemon, which replaces it at start.
    /// </summary>
    public static void Save(string path, IEnumerable<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> targets, DateTimeOffset writtenAt) =>
        AtomicFile.Write(path, stream => Write(stream, targets, writtenAt, indented: false), durable: false);

    /// <summary>The saved state, or null when the daemon has written none.</summary>
    /// <exception cref="FormatException">The file is not one the daemon writes; the message names the file, the entry and the field.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static HealthState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return Parse(path, InputFile.ReadAllText(path, InputFile.HealthLimit));
    }

    /// <summary>The file's content, indented (for tests and readers of the format).</summary>
    public static string Serialize(IEnumerable<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> targets, DateTimeOffset writtenAt)
    {
        using var stream = new MemoryStream();
        Write(stream, targets, writtenAt, indented: true);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Stream stream, IEnumerable<(HealthTarget Target, HealthCheck Check, ServerHealth Health)> targets, DateTimeOffset writtenAt, bool indented)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("writtenAt", writtenAt);
            writer.WriteStartArray("targets");
            foreach ((HealthTarget target, HealthCheck check, ServerHealth health) in targets.OrderBy(entry => entry.Target.ToString(), StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("service", target.Service.ToString());
                writer.WriteString("server", target.Server.ToString());
                writer.WriteString("check", HealthCheckParser.Name(check.Kind));
                writer.WriteNumber("port", check.PortFor(target.Server));
                writer.WriteString("path", check.Path);
                writer.WriteNumber("intervalMs", (long)check.Interval.TotalMilliseconds);
                writer.WriteBoolean("up", health.Up);
                writer.WriteString("since", health.Since);
                writer.WriteNumber("consecutivePasses", health.ConsecutivePasses);
                writer.WriteNumber("consecutiveFailures", health.ConsecutiveFailures);
                if (health.Last is { } last)
                {
                    writer.WriteStartObject("last");
                    writer.WriteBoolean("passed", last.Passed);
                    writer.WriteString("detail", last.Detail);
                    writer.WriteNumber("durationMs", Math.Round(last.Duration.TotalMilliseconds, 3));
                    writer.WriteString("at", last.At);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteNull("last");
                }

                writer.WriteEndObject();
                if (writer.BytesPending > FlushAt)
                {
                    // The writer buffers until flushed: a whole file's buffer would be the large object this avoids.
                    writer.Flush();
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    /// <exception cref="FormatException">Naming <paramref name="path"/>, the entry and the field.</exception>
    public static HealthState Parse(string path, string json)
    {
        using (JsonDocument document = InputFile.ParseJson(path, json))
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path}: expected an object with writtenAt and targets");
            }

            var reader = new FieldReader(path);
            DateTimeOffset writtenAt = reader.Time(root, "writtenAt");
            JsonElement list = reader.Field(root, "targets", JsonValueKind.Array);
            var targets = new Dictionary<HealthTarget, HealthStateEntry>();
            int index = 0;
            foreach (JsonElement entry in list.EnumerateArray())
            {
                reader.Where = $"{path}: target {index++}";
                (HealthTarget target, HealthStateEntry parsed) = ParseTarget(reader, entry);
                if (!targets.TryAdd(target, parsed))
                {
                    throw new FormatException($"{reader.Where}: {target} is listed twice");
                }
            }

            return new HealthState(writtenAt, targets);
        }
    }

    private static (HealthTarget Target, HealthStateEntry Entry) ParseTarget(FieldReader reader, JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{reader.Where}: expected an object");
        }

        string serviceText = reader.Text(entry, "service");
        string serverText = reader.Text(entry, "server");
        VirtualServiceKey service = KeyText.TryParseServiceKey(serviceText, out VirtualServiceKey key)
            ? key
            : throw new FormatException($"{reader.Where}: field service: \"{serviceText}\" is not a service such as 'TCP 10.99.0.10:80'");
        RealServerKey server = KeyText.TryParseEndpoint(serverText, out NetAddress address, out ushort? serverPort) && serverPort is not null
            ? new RealServerKey(address, serverPort.Value)
            : throw new FormatException($"{reader.Where}: field server: \"{serverText}\" is not a real server such as 10.1.1.2:8080");
        string kindText = reader.Text(entry, "check");
        HealthCheckKind[] kinds = [.. Enum.GetValues<HealthCheckKind>().Where(kind => HealthCheckParser.Name(kind) == kindText)];
        if (kinds.Length == 0)
        {
            throw new FormatException($"{reader.Where}: field check: \"{kindText}\" is not one of {string.Join(", ", HealthCheckParser.KindNames)}");
        }

        HealthCheckKind kind = kinds[0];
        ushort port = (ushort)reader.Integer(entry, "port", 1, ushort.MaxValue);
        string checkPath = reader.Text(entry, "path");
        long interval = reader.Integer(entry, "intervalMs", 1, (long)TimeSpan.FromDays(1).TotalMilliseconds);
        bool up = reader.Boolean(entry, "up");
        DateTimeOffset since = reader.Time(entry, "since");
        int passes = (int)reader.Integer(entry, "consecutivePasses", 0, int.MaxValue);
        int failures = (int)reader.Integer(entry, "consecutiveFailures", 0, int.MaxValue);
        CheckResult? last = null;
        if (entry.TryGetProperty("last", out JsonElement lastElement) && lastElement.ValueKind != JsonValueKind.Null)
        {
            if (lastElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{reader.Where}: field last: expected an object or null");
            }

            double duration = lastElement.TryGetProperty("durationMs", out JsonElement durationElement) && durationElement.TryGetDouble(out double milliseconds) && milliseconds >= 0
                ? milliseconds
                : throw new FormatException($"{reader.Where}: field last.durationMs: expected a number of milliseconds");
            last = new CheckResult(reader.Boolean(lastElement, "passed"), reader.Text(lastElement, "detail"), TimeSpan.FromMilliseconds(duration), reader.Time(lastElement, "at"));
        }

        return (new HealthTarget(service, server),
            new HealthStateEntry(kind, port, checkPath, TimeSpan.FromMilliseconds(interval), new ServerHealth(up, since, passes, failures, last)));
    }

    /// <summary>Reads typed fields, each failure naming where it is.</summary>
    private sealed class FieldReader(string path)
    {
        public string Where { get; set; } = path;

        public JsonElement Field(JsonElement owner, string name, JsonValueKind kind) =>
            owner.TryGetProperty(name, out JsonElement value) && value.ValueKind == kind
                ? value
                : throw new FormatException($"{Where}: field {name}: expected {Expected(kind)}");

        public string Text(JsonElement owner, string name) => Field(owner, name, JsonValueKind.String).GetString()!;

        public bool Boolean(JsonElement owner, string name) =>
            owner.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? value.GetBoolean()
                : throw new FormatException($"{Where}: field {name}: expected true or false");

        public long Integer(JsonElement owner, string name, long minimum, long maximum) =>
            Field(owner, name, JsonValueKind.Number).TryGetInt64(out long value) && value >= minimum && value <= maximum
                ? value
                : throw new FormatException($"{Where}: field {name}: expected a whole number from {minimum} to {maximum}");

        public DateTimeOffset Time(JsonElement owner, string name)
        {
            string text = Text(owner, name);
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset at)
                ? at
                : throw new FormatException($"{Where}: field {name}: \"{text}\" is not a time such as 2026-12-04T15:00:00+00:00");
        }

        private static string Expected(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Array => "a list",
            JsonValueKind.Number => "a number",
            JsonValueKind.String => "a string",
            _ => kind.ToString(),
        };
    }
}
