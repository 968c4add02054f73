using System.Net;

namespace Ipvs.Agent.Configuration;

/// <summary>DNS endpoints as written in the config: <c>127.0.0.1</c>, <c>127.0.0.1:5353</c>, <c>fd00::53</c>, <c>[fd00::53]:53</c>.</summary>
internal static class DnsEndpointText
{
    public const int DefaultPort = 53;

    /// <summary>The endpoint, port 53 when none is given; null when the text is not one.</summary>
    public static IPEndPoint? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IPEndPoint? endpoint = !text.StartsWith('[') && IPAddress.TryParse(text, out IPAddress? address) ? new IPEndPoint(address, DefaultPort)
            : IPEndPoint.TryParse(text, out IPEndPoint? parsed) ? parsed
            : null;
        return endpoint is { Port: 0 } ? new IPEndPoint(endpoint.Address, DefaultPort) : endpoint;
    }
}
