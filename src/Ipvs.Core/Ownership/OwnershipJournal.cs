using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ipvs.Core.Draining;
using Ipvs.Core.Model;

namespace Ipvs.Core.Ownership;

/// <summary>The serializable form of an <see cref="OwnershipRecord"/>: keys as the text operators read in logs.</summary>
public sealed class OwnershipDocument
{
    // Plain setters that turn null into an empty list: a hand-edited journal may omit a list or write null, and
    // init-only properties would be set to null by the source-generated deserializer when the key is missing.
    private List<string> _services = [];
    private List<DrainDocument> _drains = [];
    private List<PendingDocument> _pending = [];

    public int Version { get; set; } = OwnershipJournal.CurrentVersion;

    public List<string> Services
    {
        get => _services;
        set => _services = value ?? [];
    }

    public List<DrainDocument> Drains
    {
        get => _drains;
        set => _drains = value ?? [];
    }

    /// <summary>Creations journaled before the kernel was asked (see <see cref="OwnershipRecord.Pending"/>).</summary>
    public List<PendingDocument> Pending
    {
        get => _pending;
        set => _pending = value ?? [];
    }
}

/// <summary>A service about to be created, with the configuration asked for.</summary>
public sealed class PendingDocument
{
    public string Service { get; set; } = string.Empty;

    public string Scheduler { get; set; } = string.Empty;

    public uint Flags { get; set; }

    public uint Timeout { get; set; }

    public byte Netmask { get; set; }

    public string? Pe { get; set; }
}

public sealed class DrainDocument
{
    public string Service { get; set; } = string.Empty;

    public string Server { get; set; } = string.Empty;

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset Deadline { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OwnershipDocument))]
internal sealed partial class OwnershipJsonContext : JsonSerializerContext;

/// <summary>
/// Converts an <see cref="OwnershipRecord"/> to and from the JSON the agent journals to disk. Pure: the agent's I/O
/// edge writes the text (atomically) and reads it back at start, so drains survive a restart.
/// </summary>
public static class OwnershipJournal
{
    public const int CurrentVersion = 1;

    public static OwnershipDocument ToDocument(OwnershipRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var document = new OwnershipDocument();
        document.Services.AddRange(record.Services.Order(KeyOrder.Instance).Select(key => key.ToString()));
        document.Drains.AddRange(record.Drains.Values
            .OrderBy(drain => drain.Service, KeyOrder.Instance)
            .ThenBy(drain => drain.Server, KeyOrder.Instance)
            .Select(drain => new DrainDocument
            {
                Service = drain.Service.ToString(),
                Server = drain.Server.ToString(),
                StartedAt = drain.StartedAt,
                Deadline = drain.Deadline,
            }));
        document.Pending.AddRange(record.Pending.Values
            .OrderBy(service => service.Key, KeyOrder.Instance)
            .Select(service => new PendingDocument
            {
                Service = service.Key.ToString(),
                Scheduler = service.Scheduler,
                Flags = (uint)service.Flags,
                Timeout = service.TimeoutSeconds,
                Netmask = service.NetmaskPrefix,
                Pe = service.PersistenceEngine,
            }));
        return document;
    }

    /// <summary>Reads a document back; every problem is named (entry and text) in the <see cref="FormatException"/>.</summary>
    public static OwnershipRecord FromDocument(OwnershipDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Version != CurrentVersion)
        {
            throw new FormatException($"Ownership journal version {document.Version} is not supported (expected {CurrentVersion}).");
        }

        var errors = new List<string>();
        var services = ImmutableHashSet.CreateBuilder<VirtualServiceKey>();
        for (int i = 0; i < document.Services.Count; i++)
        {
            if (KeyText.TryParseServiceKey(document.Services[i], out VirtualServiceKey key))
            {
                services.Add(key);
            }
            else
            {
                errors.Add($"services[{i}]: '{document.Services[i]}' is not a virtual service");
            }
        }

        var drains = ImmutableDictionary.CreateBuilder<DrainKey, Drain>();
        for (int i = 0; i < document.Drains.Count; i++)
        {
            DrainDocument drain = document.Drains[i];
            if (!KeyText.TryParseServiceKey(drain.Service, out VirtualServiceKey service))
            {
                errors.Add($"drains[{i}].service: '{drain.Service}' is not a virtual service");
                continue;
            }

            if (!services.Contains(service))
            {
                errors.Add($"drains[{i}].service: {service} is not among the owned services");
                continue;
            }

            if (!KeyText.TryParseEndpoint(drain.Server, out NetAddress address, out ushort? port) || port is null)
            {
                errors.Add($"drains[{i}].server: '{drain.Server}' is not a real server");
                continue;
            }

            var parsed = new Drain(service, new RealServerKey(address, port.Value), drain.StartedAt, drain.Deadline);
            if (!drains.TryAdd(parsed.Key, parsed))
            {
                errors.Add($"drains[{i}]: {parsed.Key} is listed twice");
            }
        }

        var pending = ImmutableDictionary.CreateBuilder<VirtualServiceKey, VirtualService>();
        for (int i = 0; i < document.Pending.Count; i++)
        {
            PendingDocument entry = document.Pending[i];
            if (!KeyText.TryParseServiceKey(entry.Service, out VirtualServiceKey key))
            {
                errors.Add($"pending[{i}].service: '{entry.Service}' is not a virtual service");
            }
            else if (!IpvsVocabulary.IsScheduler(entry.Scheduler))
            {
                errors.Add($"pending[{i}].scheduler: '{entry.Scheduler}' is not a scheduler");
            }
            else if (!pending.TryAdd(key, new VirtualService(key, entry.Scheduler, (ServiceFlags)entry.Flags, entry.Timeout, entry.Netmask, entry.Pe)))
            {
                errors.Add($"pending[{i}]: {key} is listed twice");
            }
        }

        return errors.Count == 0
            ? new OwnershipRecord(services.ToImmutable(), drains.ToImmutable(), pending.ToImmutable())
            : throw new FormatException("Ownership journal is invalid: " + string.Join("; ", errors));
    }

    public static string Serialize(OwnershipRecord record) =>
        JsonSerializer.Serialize(ToDocument(record), OwnershipJsonContext.Default.OwnershipDocument);

    public static OwnershipRecord Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        OwnershipDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, OwnershipJsonContext.Default.OwnershipDocument);
        }
        catch (JsonException exception)
        {
            throw new FormatException($"Ownership journal is not valid JSON: {exception.Message}", exception);
        }

        return FromDocument(document ?? throw new FormatException("Ownership journal is empty (null)."));
    }
}
