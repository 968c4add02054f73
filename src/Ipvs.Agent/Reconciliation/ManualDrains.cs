using System.Text.Json;
using System.Text.Json.Serialization;
using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Reconciliation;

/// <summary>A drain an operator asked for: a whole service, or one real server of it (in any service when no service is given).</summary>
internal sealed class ManualDrain
{
    /// <summary>The service as ipvsadm prints it (<c>TCP 10.99.0.10:80</c>), or null for the server in every service.</summary>
    public string? Service { get; set; }

    /// <summary>The real server (<c>10.1.1.2:8080</c>), or null for every real server of <see cref="Service"/>.</summary>
    public string? Server { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public override string ToString() => (Service, Server) switch
    {
        (null, { } server) => $"real server {server} in every service",
        ({ } service, null) => $"every real server of {service}",
        _ => $"real server {Server} of {Service}",
    };
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ManualDrain>))]
internal sealed partial class ManualDrainJsonContext : JsonSerializerContext;

/// <summary>
/// Drains requested by hand (<c>ipvs-agent drain</c>), kept as <c>drains.json</c> next to the ownership journal. A
/// drained real server is left out of the desired state, so the planner drains it (weight 0, deleted once idle or at
/// the drain timeout) and keeps it out until the drain is cancelled.
/// </summary>
internal sealed class ManualDrainStore(string stateDirectory)
{
    public const string FileName = "drains.json";

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    public IReadOnlyList<ManualDrain> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path), ManualDrainJsonContext.Default.ListManualDrain) ?? [];
        }
        catch (JsonException exception)
        {
            throw new FormatException($"{Path}: not a list of drains: {exception.Message}", exception);
        }
    }

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

    /// <summary>The desired state without the real servers these drains take out.</summary>
    public static DesiredState Apply(DesiredState desired, IReadOnlyList<ManualDrain> drains)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(drains);
        if (drains.Count == 0)
        {
            return desired;
        }

        var parsed = drains.Select(drain => (
            Service: drain.Service is not null && KeyText.TryParseServiceKey(drain.Service, out VirtualServiceKey key) ? key : (VirtualServiceKey?)null,
            Server: drain.Server is not null ? KeyText.ParseRealServerKey(drain.Server) : (RealServerKey?)null)).ToList();
        var services = new Dictionary<VirtualServiceKey, DesiredService>();
        foreach ((VirtualServiceKey key, DesiredService service) in desired.Services)
        {
            var kept = service.RealServers
                .Where(server => !parsed.Any(drain => (drain.Service is null || drain.Service == key) && (drain.Server is null || drain.Server == server.Key)))
                .ToDictionary(pair => pair.Key, pair => pair.Value);
            services[key] = kept.Count == service.RealServers.Count ? service : new DesiredService(service.Service, service.Source, kept, service.Names);
        }

        return new DesiredState(desired.Revision, services);
    }
}
