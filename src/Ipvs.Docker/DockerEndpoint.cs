namespace Ipvs.Docker;

/// <summary>Where the Docker engine listens: <c>DOCKER_HOST</c> if set, else the local unix socket.</summary>
public static class DockerEndpoint
{
    public const string DefaultUri = "unix:///var/run/docker.sock";

    /// <summary>An optional endpoint such as <c>swarmManager</c>: null when not configured, else checked like <see cref="Resolve"/>.</summary>
    public static Uri? ResolveOptional(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? null : Resolve(configured, null);

    public static Uri Resolve(string? configured, string? dockerHostVariable)
    {
        string text = !string.IsNullOrWhiteSpace(configured) ? configured
            : !string.IsNullOrWhiteSpace(dockerHostVariable) ? dockerHostVariable
            : DefaultUri;
        return Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Scheme is "unix" or "tcp" or "http" or "https"
            ? uri
            : throw new ArgumentException($"Docker endpoint '{text}' is not a unix://, tcp:// or http(s):// URI.", nameof(configured));
    }
}
