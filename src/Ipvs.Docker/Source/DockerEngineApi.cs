using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Labels;

namespace Ipvs.Docker.Source;

/// <summary>The real <see cref="IDockerApi"/>: Docker.DotNet over the engine's unix socket or TCP endpoint.</summary>
/// <remarks>
/// A relist is on the path from a Docker event to the kernel, so it asks for as little as it can: no <c>/info</c>
/// (dockerd 20.10 runs <c>runc --version</c> and <c>docker-init --version</c> for each), and an inspect only for a
/// container whose list entry changed since it was last inspected. <see cref="ListAsync"/> calls must not overlap.
/// </remarks>
public sealed class DockerEngineApi : IDockerApi, IDisposable
{
    private readonly DockerClient _client;

    /// <summary>Where services, tasks and nodes are read: the local engine, or a manager when this node is a worker.</summary>
    private readonly DockerClient _swarm;
    private Dictionary<string, InspectedContainer> _inspected = new(StringComparer.Ordinal);

    private readonly ServerCertificateCheck? _clientCheck;
    private readonly ServerCertificateCheck? _swarmCheck;

    /// <param name="endpoint">The local engine: containers and their events.</param>
    /// <param name="swarmManager">A swarm manager to read services and tasks from (workers cannot list them), or null for the local engine.</param>
    public DockerEngineApi(Uri endpoint, Uri? swarmManager = null)
        : this(new DockerConnection(endpoint), swarmManager is null ? null : new DockerConnection(swarmManager))
    {
    }

    /// <param name="endpoint">The local engine and how to reach it.</param>
    /// <param name="swarmManager">A swarm manager and how to reach it, or null for the local engine.</param>
    public DockerEngineApi(DockerConnection endpoint, DockerConnection? swarmManager)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Connection = endpoint;
        SwarmManagerConnection = swarmManager;
        _client = endpoint.CreateClient(out _clientCheck);
        _swarm = swarmManager is null ? _client : swarmManager.CreateClient(out _swarmCheck);
    }

    public DockerConnection Connection { get; }

    public DockerConnection? SwarmManagerConnection { get; }

    public Uri Endpoint => Connection.Endpoint;

    public Uri? SwarmManager => SwarmManagerConnection?.Endpoint;

    public async Task<DockerInventory> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            IList<ContainerListResponse> listed = await _client.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    All = true,
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["status"] = new Dictionary<string, bool> { ["running"] = true, ["paused"] = true },
                    },
                },
                cancellationToken);

            // Inspect only what carries our labels, and only what changed: inspecting is one request per container.
            var containers = new List<ContainerInspectResponse>();
            var inspected = new Dictionary<string, InspectedContainer>(StringComparer.Ordinal);
            foreach (ContainerListResponse container in listed.Where(HasIpvsLabel))
            {
                string fingerprint = Fingerprint(container);
                if (!_inspected.TryGetValue(container.ID, out InspectedContainer? known) || known.Fingerprint != fingerprint)
                {
                    try
                    {
                        known = new InspectedContainer(fingerprint, await _client.Containers.InspectContainerAsync(container.ID, cancellationToken));
                    }
                    catch (DockerContainerNotFoundException)
                    {
                        // Removed between list and inspect: the destroy event triggers another relist anyway.
                        continue;
                    }
                }

                inspected[container.ID] = known;
                containers.Add(known.Inspect);
            }

            _inspected = inspected;
            return new DockerInventory(containers, await ListSwarmAsync(cancellationToken));
        }
        catch (Exception error) when (IsConnectionFailure(error))
        {
            throw new DockerUnavailableException($"Docker at {Endpoint} is unreachable: {Describe(error, _clientCheck)}", error);
        }
    }

    /// <summary>Services, running tasks and nodes, or null when the engine asked is not a swarm manager (and none was configured).</summary>
    private async Task<SwarmInventory?> ListSwarmAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await ListSwarmServicesAsync(cancellationToken) is not { } services)
            {
                return SwarmManager is null
                    ? null
                    : throw new DockerUnavailableException($"swarmManager {SwarmManager} is not a swarm manager (it answered 503); services are not read");
            }

            IList<TaskResponse> tasks = await _swarm.Tasks.ListAsync(
                new TasksListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
                    },
                },
                cancellationToken);
            IList<NodeListResponse> nodes = await _swarm.Swarm.ListNodesAsync(cancellationToken);
            return new SwarmInventory([.. services], [.. tasks], [.. nodes]);
        }
        catch (DockerApiException error) when (SwarmManager is not null)
        {
            // It answered: saying "unreachable" would send the operator to check the network instead of the manager.
            throw new DockerUnavailableException($"Swarm manager at {SwarmManager} answered {(int)error.StatusCode} {error.StatusCode}: {error.ResponseBody}", error);
        }
        catch (Exception error) when (SwarmManager is not null && IsConnectionFailure(error))
        {
            throw new DockerUnavailableException($"Swarm manager at {SwarmManager} is unreachable: {Describe(error, _swarmCheck)}", error);
        }
    }

    public async Task<ContainerInspectResponse?> InspectContainerAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.Containers.InspectContainerAsync(id, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (Exception error) when (IsConnectionFailure(error))
        {
            throw new DockerUnavailableException($"Docker at {Endpoint} is unreachable: {Describe(error, _clientCheck)}", error);
        }
    }

    /// <summary>
    /// The local engine's container, network, service and node events and, on a worker with a swarm manager, the
    /// manager's service and node events too: a worker's own engine says nothing of the swarm, so without them a scale,
    /// a drain or a node going down would wait for the periodic relist. Either stream failing ends the watch.
    /// </summary>
    public async IAsyncEnumerable<DockerEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<DockerEvent> events = Channel.CreateUnbounded<DockerEvent>(new UnboundedChannelOptions { SingleReader = true });
        var monitors = new List<Task>
        {
            MonitorAsync(_client, EventsOf("container", "network", "service", "node"), events.Writer,
                error => $"Docker event stream from {Endpoint} failed: {Describe(error, _clientCheck)}", cancellationToken),
        };
        if (!ReferenceEquals(_swarm, _client))
        {
            monitors.Add(MonitorAsync(_swarm, EventsOf("service", "node"), events.Writer,
                error => $"Swarm manager at {SwarmManager} is unreachable: its event stream failed: {Describe(error, _swarmCheck)}", cancellationToken));
        }

        await foreach (DockerEvent dockerEvent in events.Reader.ReadAllAsync(cancellationToken))
        {
            yield return dockerEvent;
        }

        await Task.WhenAll(monitors);
    }

    private static ContainerEventsParameters EventsOf(params string[] types) => new()
    {
        Filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["type"] = types.ToDictionary(type => type, _ => true),
        },
    };

    /// <summary>Follows one engine's events into <paramref name="writer"/>; its end or failure completes the writer.</summary>
    private static async Task MonitorAsync(DockerClient client, ContainerEventsParameters parameters, ChannelWriter<DockerEvent> writer, Func<Exception, string> unreachable, CancellationToken cancellationToken)
    {
        try
        {
            await client.System.MonitorEventsAsync(parameters, new EventSink(writer), cancellationToken);
            writer.TryComplete();
        }
        catch (Exception error) when (IsConnectionFailure(error))
        {
            writer.TryComplete(new DockerUnavailableException(unreachable(error), error));
        }
        catch (Exception error)
        {
            writer.TryComplete(error);
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_swarm, _client))
        {
            _swarm.Dispose();
        }

        _client.Dispose();
    }

    /// <summary>
    /// What a list entry says about the fields the snapshot builder reads from an inspect: state, health (in the
    /// status text: <c>Up 3 seconds (health: starting)</c>), name, addresses, published ports. Labels and creation
    /// time never change for one container id.
    /// </summary>
    internal static string Fingerprint(ContainerListResponse container)
    {
        ArgumentNullException.ThrowIfNull(container);
        string status = container.Status ?? string.Empty;
        int health = status.LastIndexOf('(');
        IEnumerable<string> networks = (container.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>())
            .Select(network => $"{network.Key}={network.Value?.IPAddress}/{network.Value?.GlobalIPv6Address}")
            .Order(StringComparer.Ordinal);
        IEnumerable<string> ports = (container.Ports ?? [])
            .Select(port => $"{port.IP}:{port.PublicPort}->{port.PrivatePort}/{port.Type}")
            .Order(StringComparer.Ordinal);
        return string.Join('|',
            container.State,
            health < 0 ? string.Empty : status[health..],
            string.Join(',', container.Names ?? []),
            string.Join(',', networks),
            string.Join(',', ports));
    }

    /// <summary>The swarm's services, or null when this engine is no swarm manager (not in a swarm, or a worker).</summary>
    private async Task<IList<SwarmService>?> ListSwarmServicesAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _swarm.Swarm.ListServicesAsync(new ServiceListParameters(), cancellationToken);
        }
        catch (DockerApiException error) when (error.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable
            && error.ResponseBody?.Contains("not a swarm manager", StringComparison.Ordinal) == true)
        {
            return null;
        }
    }

    private sealed record InspectedContainer(string Fingerprint, ContainerInspectResponse Inspect);

    private static bool HasIpvsLabel(ContainerListResponse container) =>
        container.Labels?.Keys.Any(label => label.StartsWith(ContainerLabelParser.Prefix, StringComparison.Ordinal)) == true;

    /// <summary>
    /// The error in words: an exception's own message and its inner ones' (an HttpRequestException alone only says
    /// "the SSL connection could not be established"), and why the engine's certificate was refused, when it was.
    /// </summary>
    private static string Describe(Exception error, ServerCertificateCheck? check)
    {
        var parts = new List<string>();
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            if (!parts.Contains(current.Message))
            {
                parts.Add(current.Message);
            }
        }

        if (check?.LastRefusal is { } refusal)
        {
            parts.Add("TLS refused: " + refusal);
        }

        return string.Join(": ", parts);
    }

    /// <summary>
    /// A failure to reach or talk to the engine. Docker.DotNet sometimes hands a refused connection over wrapped in an
    /// AggregateException, which would otherwise reach the operator as "One or more errors occurred", naming nobody.
    /// </summary>
    internal static bool IsConnectionFailure(Exception error) =>
        error is HttpRequestException or SocketException or IOException or TimeoutException or DockerApiException
            or System.Security.Authentication.AuthenticationException
        || (error is TaskCanceledException && error.InnerException is TimeoutException)
        || (error is AggregateException aggregate && aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsConnectionFailure));

    /// <summary>Writes events straight into the channel; <see cref="Progress{T}"/> would post them through a synchronization context.</summary>
    private sealed class EventSink(ChannelWriter<DockerEvent> writer) : IProgress<Message>
    {
        public void Report(Message value)
        {
            string? container = null;
            _ = value.Actor?.Attributes?.TryGetValue("container", out container);
            writer.TryWrite(new DockerEvent(
                value.Type ?? string.Empty, value.Action ?? string.Empty, value.Actor?.ID ?? string.Empty, container, DockerEvent.FromTimeNano(value.TimeNano)));
        }
    }
}
