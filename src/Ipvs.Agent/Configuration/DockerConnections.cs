using System.Collections;
using Ipvs.Docker;

namespace Ipvs.Agent.Configuration;

/// <summary>A configuration value as given, with the file line, variable or flag it came from.</summary>
internal readonly record struct GivenValue(string Value, string Origin);

/// <summary>The Docker TLS keys as given (null when absent), for <see cref="DockerConnections.Resolve"/>.</summary>
internal sealed record DockerTlsKeys(
    GivenValue? CertPath, GivenValue? Ca, GivenValue? Cert, GivenValue? Key,
    GivenValue? ManagerCertPath, GivenValue? ManagerCa, GivenValue? ManagerCert, GivenValue? ManagerKey,
    bool AllowInsecureTcp);

/// <summary>
/// Where the agent reads Docker from and how: the local engine (<c>dockerHost</c>, else <c>DOCKER_HOST</c>, else the
/// local socket) and the swarm manager, each over TLS by Docker's conventions when it is a TCP endpoint. A TCP endpoint
/// without TLS is refused unless <c>dockerAllowInsecureTcp</c> says so: whoever reaches it has root on that host.
/// </summary>
internal static class DockerConnections
{
    public static AgentOptions Resolve(AgentOptions options, DockerTlsKeys keys, IDictionary environment, List<string> problems)
    {
        Uri engine = new(DockerEndpoint.DefaultUri);
        Uri? manager = null;
        try
        {
            engine = DockerEndpoint.Resolve(options.DockerHost, environment["DOCKER_HOST"] as string);
            manager = DockerEndpoint.ResolveOptional(options.SwarmManager);
        }
        catch (ArgumentException error)
        {
            // dockerHost and swarmManager were checked with their keys already: what is left is DOCKER_HOST's.
            problems.Add($"DOCKER_HOST: {error.Message}");
        }

        DockerTls? engineTls = Tls(keys.CertPath, keys.Ca, keys.Cert, keys.Key, FromEnvironment(environment), "docker", problems);
        DockerTls? managerTls = Tls(keys.ManagerCertPath, keys.ManagerCa, keys.ManagerCert, keys.ManagerKey, engineTls, "swarmManager", problems);
        var engineConnection = new DockerConnection(engine, engine.Scheme == "unix" ? null : engineTls);
        DockerConnection? managerConnection = manager is null ? null : new DockerConnection(manager, manager.Scheme == "unix" ? null : managerTls);
        if (options.DockerEnabled)
        {
            Check(engineConnection, options.DockerHost is null ? "DOCKER_HOST" : ConfigurationKeys.DockerHost, ConfigurationKeys.DockerTlsCertPath, keys.AllowInsecureTcp, problems);
            if (managerConnection is not null)
            {
                Check(managerConnection, ConfigurationKeys.SwarmManager, ConfigurationKeys.SwarmManagerTlsCertPath, keys.AllowInsecureTcp, problems);
            }
        }

        return options with { DockerConnection = engineConnection, SwarmManagerConnection = managerConnection, DockerAllowInsecureTcp = keys.AllowInsecureTcp };
    }

    /// <summary>Docker's own variables: <c>DOCKER_CERT_PATH</c>, or <c>~/.docker</c> when only <c>DOCKER_TLS_VERIFY</c> is set.</summary>
    private static DockerTls? FromEnvironment(IDictionary environment)
    {
        if (environment["DOCKER_CERT_PATH"] is string { Length: > 0 } path)
        {
            return DockerTls.FromDirectory(path);
        }

        return environment["DOCKER_TLS_VERIFY"] is string { Length: > 0 } && environment["HOME"] is string { Length: > 0 } home
            ? DockerTls.FromDirectory(Path.Combine(home, ".docker"))
            : null;
    }

    private static DockerTls? Tls(GivenValue? directory, GivenValue? ca, GivenValue? cert, GivenValue? key, DockerTls? fallback, string prefix, List<string> problems)
    {
        if (directory is null && ca is null && cert is null && key is null)
        {
            return fallback;
        }

        DockerTls? fromDirectory = directory is { } given ? DockerTls.FromDirectory(given.Value) : null;
        string? caFile = ca?.Value ?? fromDirectory?.CaFile;
        string? certFile = cert?.Value ?? fromDirectory?.CertFile;
        string? keyFile = key?.Value ?? fromDirectory?.KeyFile;
        if (caFile is null || certFile is null || keyFile is null)
        {
            string origin = (ca ?? cert ?? key)!.Value.Origin;
            problems.Add($"{origin}: {prefix}TlsCa, {prefix}TlsCert and {prefix}TlsKey go together (or give {prefix}TlsCertPath, a directory with ca.pem, cert.pem and key.pem)");
            return null;
        }

        return new DockerTls(caFile, certFile, keyFile);
    }

    private static void Check(DockerConnection connection, string endpointKey, string tlsKey, bool allowInsecure, List<string> problems)
    {
        if (connection.IsInsecureTcp && !allowInsecure)
        {
            problems.Add($"{endpointKey}: {connection.Endpoint} is a TCP endpoint without TLS, which gives root on that host to anyone who reaches it: "
                + $"set {tlsKey} (a directory with ca.pem, cert.pem and key.pem{(endpointKey == ConfigurationKeys.SwarmManager ? string.Empty : ", or DOCKER_CERT_PATH")}), "
                + $"or {ConfigurationKeys.DockerAllowInsecureTcp}: true to accept that");
        }

        if (connection.Tls is { } tls)
        {
            problems.AddRange(tls.Problems().Select(problem => $"{endpointKey} {connection.Endpoint}: {problem}"));
        }
    }
}
