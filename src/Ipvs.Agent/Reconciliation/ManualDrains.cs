using System.Text.Json;
using System.Text.Json.Serialization;
using Ipvs.Agent.Configuration;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;

namespace Ipvs.Agent.Reconciliation;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ManualDrain>))]
internal sealed partial class ManualDrainJsonContext : JsonSerializerContext;

/// <summary>
/// Drains requested by hand (<c>ipvs-agent drain</c>), kept as <c>drains.json</c> next to the ownership journal; what
/// they do to the desired state is <see cref="ManualDrainFilter"/>'s rule.
/// </summary>
internal sealed class ManualDrainStore(string stateDirectory) : IManualDrainSource
{
    public const string FileName = "drains.json";

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    private IReadOnlyList<ManualDrain> _lastGood = [];

    /// <summary>The recorded drains, every entry validated.</summary>
    /// <exception cref="FormatException">The file is not a list of valid drains; the message names the file, the entry, the field and the value.</exception>
    public IReadOnlyList<ManualDrain> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        return ParseFile(Path, InputFile.ReadAllText(Path, InputFile.DrainsLimit));
    }

    /// <summary>
    /// The recorded drains, or, when the file has become unreadable, the last set read well (empty before the first):
    /// a bad file never drains anything new, and never "everything".
    /// </summary>
    /// <param name="problem">Why the file was not used, naming the file and the entry; null when it was.</param>
    public IReadOnlyList<ManualDrain> LoadOrLastGood(out string? problem)
    {
        try
        {
            problem = null;
            return _lastGood = Load();
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            problem = $"manual drains file not used, the last good set ({_lastGood.Count} drains) stays in force: {exception.Message}";
            return _lastGood;
        }
    }

    private static readonly string[] Fields = ["service", "server", "requestedAt"];

    /// <summary>Reads the drains file strictly: a list of objects with the fields <c>service</c>, <c>server</c> (at least one) and <c>requestedAt</c>.</summary>
    /// <exception cref="FormatException">Naming <paramref name="path"/>, the entry's index and line, the field and the value.</exception>
    public static IReadOnlyList<ManualDrain> ParseFile(string path, string json)
    {
        using (JsonDocument document = InputFile.ParseJson(path, json))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{path}: expected a list of drains [{{\"service\": \"TCP 10.99.0.10:80\"}}, ...], got {Kind(document.RootElement)}");
            }

            var drains = new List<ManualDrain>();
            int index = 0;
            foreach (JsonElement entry in document.RootElement.EnumerateArray())
            {
                drains.Add(ParseEntry(path, index++, entry));
            }

            return drains;
        }
    }

    private static ManualDrain ParseEntry(string path, int index, JsonElement entry)
    {
        string where = $"{path}: entry {index}";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: expected an object such as {{\"service\": \"TCP 10.99.0.10:80\"}}, got {Kind(entry)}");
        }

        var drain = new ManualDrain();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"{where}: unknown field \"{property.Name}\" (fields are {string.Join(", ", Fields)}, spelled exactly so)");
            }

            if (!seen.Add(property.Name))
            {
                throw new FormatException($"{where}: field {property.Name} is given twice");
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{where}: field {property.Name}: expected a string, got {Kind(property.Value)}");
            }

            string value = property.Value.GetString()!;
            switch (property.Name)
            {
                case "service":
                    drain.Service = KeyText.TryParseServiceKey(value, out VirtualServiceKey key) && key.ToString() == value
                        ? value
                        : throw new FormatException($"{where}: field service: \"{value}\" is not a service written as 'TCP 10.99.0.10:80', 'UDP [fd00::10]:53' or 'FWM 7'");
                    break;
                case "server":
                    drain.Server = KeyText.TryParseEndpoint(value, out NetAddress address, out ushort? port) && port is not null
                        && new RealServerKey(address, port.Value).ToString() == value
                        ? value
                        : throw new FormatException($"{where}: field server: \"{value}\" is not a real server written as 10.1.1.2:8080 or [fd00::2]:8080");
                    break;
                default:
                    drain.RequestedAt = DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out DateTimeOffset at)
                        ? at
                        : throw new FormatException($"{where}: field requestedAt: \"{value}\" is not a time such as 2026-12-04T03:00:00+00:00");
                    break;
            }
        }

        return drain.Service is null && drain.Server is null
            ? throw new FormatException($"{where}: names neither a service nor a server; an entry drains a service, a real server, or a real server of a service")
            : drain;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Null => "null",
        _ => element.GetRawText(),
    };

    public void Save(IReadOnlyList<ManualDrain> drains) =>
        AtomicFile.Write(Path, JsonSerializer.Serialize(drains.ToList(), ManualDrainJsonContext.Default.ListManualDrain));

    /// <summary>Parses a target as the <c>drain</c> verb takes it: <c>TCP 10.99.0.10:80</c>, <c>FWM 7</c> or a real server <c>10.1.1.2:8080</c>.</summary>
    public static ManualDrain Parse(string target, string? service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (KeyText.TryParseServiceKey(target, out VirtualServiceKey key))
        {
            return service is null
                ? new ManualDrain { Service = key.ToString(), RequestedAt = now }
                : throw new FormatException($"'{target}' is a service; --service only goes with a real server");
        }

        if (KeyText.TryParseEndpoint(target, out NetAddress address, out ushort? port) && port is not null)
        {
            string? serviceText = null;
            if (service is not null)
            {
                serviceText = KeyText.TryParseServiceKey(service, out VirtualServiceKey serviceKey)
                    ? serviceKey.ToString()
                    : throw new FormatException($"--service '{service}' is not a service such as 'TCP 10.99.0.10:80' or 'FWM 7'");
            }

            return new ManualDrain { Service = serviceText, Server = new RealServerKey(address, port.Value).ToString(), RequestedAt = now };
        }

        throw new FormatException($"'{target}' is neither a service such as 'TCP 10.99.0.10:80' / 'FWM 7' nor a real server such as 10.1.1.2:8080");
    }
}
