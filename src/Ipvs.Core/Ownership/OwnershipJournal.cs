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
    private List<ServiceConfigurationDocument> _pending = [];
    private List<ServiceConfigurationDocument> _configurations = [];

    public int Version { get; set; } = OwnershipJournal.CurrentVersion;

    /// <summary>The kernel table the journal describes (boot and network namespace), or null when not known.</summary>
    public string? Kernel { get; set; }

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

    /// <summary>Creations and changes journaled before the kernel was asked (see <see cref="OwnershipRecord.Pending"/>).</summary>
    public List<ServiceConfigurationDocument> Pending
    {
        get => _pending;
        set => _pending = value ?? [];
    }

    /// <summary>The configuration the agent last gave each owned service (see <see cref="OwnershipRecord.Configurations"/>).</summary>
    public List<ServiceConfigurationDocument> Configurations
    {
        get => _configurations;
        set => _configurations = value ?? [];
    }
}

/// <summary>A service's configuration: one the agent gave it, or one it is about to ask for.</summary>
public sealed class ServiceConfigurationDocument
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
/// <remarks>
/// Version 2 added <see cref="OwnershipDocument.Kernel"/> and <see cref="OwnershipDocument.Configurations"/>; a
/// version 1 journal is read as one that knows neither (the next write is version 2).
/// </remarks>
public static class OwnershipJournal
{
    public const int CurrentVersion = 2;

    public static OwnershipDocument ToDocument(OwnershipRecord record, string? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var document = new OwnershipDocument { Kernel = kernel };
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
        document.Pending.AddRange(record.Pending.Values.OrderBy(service => service.Key, KeyOrder.Instance).Select(ToDocument));
        document.Configurations.AddRange(record.Configurations.Values
            .Where(service => record.Owns(service.Key))
            .OrderBy(service => service.Key, KeyOrder.Instance)
            .Select(ToDocument));
        return document;
    }

    private static ServiceConfigurationDocument ToDocument(VirtualService service) => new()
    {
        Service = service.Key.ToString(),
        Scheduler = service.Scheduler,
        Flags = (uint)service.Flags,
        Timeout = service.TimeoutSeconds,
        Netmask = service.NetmaskPrefix,
        Pe = service.PersistenceEngine,
    };

    /// <summary>Reads a document back; every problem is named (entry and text) in the <see cref="FormatException"/>.</summary>
    public static OwnershipRecord FromDocument(OwnershipDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Version is not (1 or CurrentVersion))
        {
            throw new FormatException($"Ownership journal version {document.Version} is not supported (expected 1 or {CurrentVersion}).");
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

        ImmutableDictionary<VirtualServiceKey, VirtualService> pending = ReadConfigurations(document.Pending, "pending", errors, key => null);
        ImmutableDictionary<VirtualServiceKey, VirtualService> configurations = ReadConfigurations(document.Configurations, "configurations", errors,
            key => services.Contains(key) ? null : $"{key} is not among the owned services");
        return errors.Count == 0
            ? new OwnershipRecord(services.ToImmutable(), drains.ToImmutable(), pending, configurations)
            : throw new FormatException("Ownership journal is invalid: " + string.Join("; ", errors));
    }

    private static ImmutableDictionary<VirtualServiceKey, VirtualService> ReadConfigurations(
        List<ServiceConfigurationDocument> entries, string list, List<string> errors, Func<VirtualServiceKey, string?> refusal)
    {
        var read = ImmutableDictionary.CreateBuilder<VirtualServiceKey, VirtualService>();
        for (int i = 0; i < entries.Count; i++)
        {
            ServiceConfigurationDocument entry = entries[i];
            if (!KeyText.TryParseServiceKey(entry.Service, out VirtualServiceKey key))
            {
                errors.Add($"{list}[{i}].service: '{entry.Service}' is not a virtual service");
            }
            else if (refusal(key) is { } refused)
            {
                errors.Add($"{list}[{i}].service: {refused}");
            }
            else if (!IpvsVocabulary.IsScheduler(entry.Scheduler))
            {
                errors.Add($"{list}[{i}].scheduler: '{entry.Scheduler}' is not a scheduler");
            }
            else if (!read.TryAdd(key, new VirtualService(key, entry.Scheduler, (ServiceFlags)entry.Flags, entry.Timeout, entry.Netmask, entry.Pe)))
            {
                errors.Add($"{list}[{i}]: {key} is listed twice");
            }
        }

        return read.ToImmutable();
    }

    /// <summary>The journal's text; <paramref name="kernel"/> names the kernel table the record describes, or is null.</summary>
    public static string Serialize(OwnershipRecord record, string? kernel = null) =>
        JsonSerializer.Serialize(ToDocument(record, kernel), OwnershipJsonContext.Default.OwnershipDocument);

    /// <summary>The journal's text, as UTF-8 into <paramref name="utf8Json"/> (a 10k-service journal is 3 MB: no string of it is made).</summary>
    public static void Serialize(Stream utf8Json, OwnershipRecord record, string? kernel = null) =>
        JsonSerializer.Serialize(utf8Json, ToDocument(record, kernel), OwnershipJsonContext.Default.OwnershipDocument);

    public static OwnershipRecord Deserialize(string json) => Deserialize(json, currentKernel: null, out _);

    /// <summary>
    /// Reads a journal for the kernel table <paramref name="currentKernel"/>. A journal written for another one
    /// (another boot, host or network namespace: a journal copied between nodes, or one from before a reboot) licenses
    /// nothing there: the record is empty and <paramref name="notice"/> says why. So does an owned service without a
    /// recorded configuration in a journal of version 2. The kernel cannot say who created an
    /// entry, so the journal is the only licence to change or delete one, and it holds only where it was written.
    /// </summary>
    public static OwnershipRecord Deserialize(string json, string? currentKernel, out string? notice)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Deserialize(System.Text.Encoding.UTF8.GetBytes(json), currentKernel, out notice);
    }

    /// <summary>As <see cref="Deserialize(string, string?, out string?)"/>, from the file's UTF-8 bytes (the agent's way: no string of a 3 MB journal, nor its transcoding).</summary>
    public static OwnershipRecord Deserialize(ReadOnlySpan<byte> utf8Json, string? currentKernel, out string? notice)
    {
        OwnershipDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(utf8Json, OwnershipJsonContext.Default.OwnershipDocument);
        }
        catch (JsonException exception)
        {
            throw new FormatException($"Ownership journal is not valid JSON: {exception.Message}", exception);
        }

        notice = null;
        OwnershipRecord record = FromDocument(document ?? throw new FormatException("Ownership journal is empty (null)."));
        if (currentKernel is not null && document.Kernel is not null && !string.Equals(document.Kernel, currentKernel, StringComparison.Ordinal))
        {
            notice = $"the ownership journal was written for another kernel table ({document.Kernel}; this one is {currentKernel}): "
                + $"after a reboot, or copied from another host or network namespace; none of its {record.Services.Count} services is owned here, "
                + "and entries the kernel has under their keys are left alone";
            return OwnershipRecord.Empty;
        }

        // Every service the agent owns has its configuration recorded from version 2 on: a key without one was not
        // written by the agent (a hand edit) and licenses nothing.
        List<VirtualServiceKey> unconfigured = document.Version < 2 ? [] : [.. record.Services.Where(key => !record.Configurations.ContainsKey(key)).Order(KeyOrder.Instance)];
        if (unconfigured.Count > 0)
        {
            notice = $"the ownership journal names {string.Join(", ", unconfigured)} without the configuration the agent records for every service "
                + "it owns (edited by hand?): not owned, and left alone in the kernel";
            record = unconfigured.Aggregate(record, (owned, key) => owned.WithoutService(key));
        }

        return record;
    }
}
