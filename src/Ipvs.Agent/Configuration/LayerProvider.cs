using Microsoft.Extensions.Configuration;

namespace Ipvs.Agent.Configuration;

/// <summary>
/// One configuration layer (file, environment or flags) that remembers where each value came from, so a validation
/// error can name the culprit: <c>config.yaml: resyncInterval</c>, <c>IPVS_AGENT_RESYNC_INTERVAL</c>, <c>--resync-interval</c>.
/// </summary>
internal sealed class LayerProvider : ConfigurationProvider, IConfigurationSource
{
    private readonly Dictionary<string, string> _origins = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string key, string value, string origin)
    {
        Data[key] = value;
        _origins[key] = origin;
    }

    public string? OriginOf(string key) => _origins.GetValueOrDefault(key);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
