using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;

namespace Ipvs.Docker.Tests.Support;

/// <summary>A scriptable Docker engine: set what a list returns, push events, break and restore the connection.</summary>
internal sealed class FakeDockerApi : IDockerApi
{
    private readonly Lock _lock = new();
    private DockerInventory _inventory = new([]);
    private Channel<DockerEvent>? _events;
    private bool _down;
    private int _lists;
    private int _inspects;
    private TaskCompletionSource? _held;

    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Event streams opened so far.</summary>
    public int Watches { get; private set; }

    public bool IsWatching
    {
        get
        {
            lock (_lock)
            {
                return _events is not null;
            }
        }
    }

    public void SetInventory(DockerInventory inventory)
    {
        lock (_lock)
        {
            _inventory = inventory;
        }
    }

    public void Push(DockerEvent dockerEvent)
    {
        lock (_lock)
        {
            _events?.Writer.TryWrite(dockerEvent);
        }
    }

    /// <summary>The daemon stops: the open event stream fails and every call fails until <see cref="Restore"/>.</summary>
    public void Break()
    {
        lock (_lock)
        {
            _down = true;
            _events?.Writer.TryComplete(new HttpRequestException("Connection refused (/var/run/docker.sock)"));
            _events = null;
        }
    }

    public void Restore()
    {
        lock (_lock)
        {
            _down = false;
        }
    }

    public Task<DockerInventory> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Interlocked.Increment(ref _lists);
            return _down
                ? Task.FromException<DockerInventory>(new DockerUnavailableException("Connection refused (/var/run/docker.sock)"))
                : Task.FromResult(_inventory);
        }
    }

    /// <summary>Containers inspected one by one so far.</summary>
    public int Inspects => Volatile.Read(ref _inspects);

    /// <summary>
    /// Inspects from now on wait until <see cref="ReleaseInspects"/>, as dockerd's do while it holds a starting container's
    /// lock; they then answer from the inventory as it is at the release.
    /// </summary>
    public void HoldInspects()
    {
        lock (_lock)
        {
            _held ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseInspects()
    {
        TaskCompletionSource? held;
        lock (_lock)
        {
            held = _held;
            _held = null;
        }

        held?.SetResult();
    }

    /// <summary>Finds the container in the current inventory by id or id prefix (the tests' events use short ids).</summary>
    public async Task<ContainerInspectResponse?> InspectContainerAsync(string id, CancellationToken cancellationToken)
    {
        Task? held;
        lock (_lock)
        {
            Interlocked.Increment(ref _inspects);
            held = _held?.Task;
        }

        if (held is not null)
        {
            await held.WaitAsync(cancellationToken);
        }

        lock (_lock)
        {
            return _down
                ? throw new DockerUnavailableException("Connection refused (/var/run/docker.sock)")
                : _inventory.Containers.FirstOrDefault(container => container.ID.StartsWith(id, StringComparison.Ordinal));
        }
    }

    public async IAsyncEnumerable<DockerEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<DockerEvent> events = Channel.CreateUnbounded<DockerEvent>();
        lock (_lock)
        {
            if (_down)
            {
                throw new DockerUnavailableException("Connection refused (/var/run/docker.sock)");
            }

            _events = events;
            Watches++;
        }

        try
        {
            await foreach (DockerEvent dockerEvent in events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return dockerEvent;
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_events == events)
                {
                    _events = null;
                }
            }
        }
    }
}
