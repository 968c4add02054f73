using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Labels;

namespace Ipvs.Docker.Source;

/// <summary>The real <see cref="IDockerApi"/>: Docker.DotNet over the engine's unix socket or TCP endpoint.</summary>
public sealed class DockerEngineApi : IDockerApi, IDisposable
{
    private readonly DockerClient _client;

    public DockerEngineApi(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _client = new DockerClientBuilder().WithEndpoint(endpoint).Build();
    }

    public Uri Endpoint { get; }

    public async Task<DockerInventory> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            SystemInfoResponse info = await _client.System.GetSystemInfoAsync(cancellationToken);
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

            // Inspect only what carries our labels: inspecting is one request per container.
            var containers = new List<ContainerInspectResponse>();
            foreach (ContainerListResponse container in listed.Where(HasIpvsLabel))
            {
                try
                {
                    containers.Add(await _client.Containers.InspectContainerAsync(container.ID, cancellationToken));
                }
                catch (DockerContainerNotFoundException)
                {
                    // Removed between list and inspect: the destroy event triggers another relist anyway.
                }
            }

            SwarmInventory? swarm = null;
            if (info.Swarm is { ControlAvailable: true, LocalNodeState: "active" })
            {
                IList<SwarmService> services = await _client.Swarm.ListServicesAsync(new ServiceListParameters(), cancellationToken);
                IList<TaskResponse> tasks = await _client.Tasks.ListAsync(
                    new TasksListParameters
                    {
                        Filters = new Dictionary<string, IDictionary<string, bool>>
                        {
                            ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
                        },
                    },
                    cancellationToken);
                IList<NodeListResponse> nodes = await _client.Swarm.ListNodesAsync(cancellationToken);
                swarm = new SwarmInventory([.. services], [.. tasks], [.. nodes]);
            }

            return new DockerInventory(containers, swarm);
        }
        catch (Exception error) when (IsConnectionFailure(error))
        {
            throw new DockerUnavailableException($"Docker at {Endpoint} is unreachable: {error.Message}", error);
        }
    }

    public async IAsyncEnumerable<DockerEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<DockerEvent> events = Channel.CreateUnbounded<DockerEvent>(new UnboundedChannelOptions { SingleReader = true });
        var parameters = new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true, ["network"] = true, ["service"] = true, ["node"] = true },
            },
        };
        Task monitor = MonitorAsync(parameters, events.Writer, cancellationToken);
        await foreach (DockerEvent dockerEvent in events.Reader.ReadAllAsync(cancellationToken))
        {
            yield return dockerEvent;
        }

        await monitor;
    }

    private async Task MonitorAsync(ContainerEventsParameters parameters, ChannelWriter<DockerEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            await _client.System.MonitorEventsAsync(parameters, new EventSink(writer), cancellationToken);
            writer.TryComplete();
        }
        catch (Exception error) when (IsConnectionFailure(error))
        {
            writer.TryComplete(new DockerUnavailableException($"Docker event stream from {Endpoint} failed: {error.Message}", error));
        }
        catch (Exception error)
        {
            writer.TryComplete(error);
        }
    }

    public void Dispose() => _client.Dispose();

    private static bool HasIpvsLabel(ContainerListResponse container) =>
        container.Labels?.Keys.Any(label => label.StartsWith(ContainerLabelParser.Prefix, StringComparison.Ordinal)) == true;

    private static bool IsConnectionFailure(Exception error) =>
        error is HttpRequestException or SocketException or IOException or TimeoutException or DockerApiException
        || (error is TaskCanceledException && error.InnerException is TimeoutException);

    /// <summary>Writes events straight into the channel; <see cref="Progress{T}"/> would post them through a synchronization context.</summary>
    private sealed class EventSink(ChannelWriter<DockerEvent> writer) : IProgress<Message>
    {
        public void Report(Message value) =>
            writer.TryWrite(new DockerEvent(value.Type ?? string.Empty, value.Action ?? string.Empty, value.Actor?.ID ?? string.Empty));
    }
}
