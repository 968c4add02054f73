using System.Threading.Channels;
using Docker.DotNet.Models;
using Ipvs.Core.Timing;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Labels;

namespace Ipvs.Docker.Source;

/// <summary>
/// Watches a Docker engine and publishes a <see cref="DockerSnapshot"/> whenever what it declares changes: a full
/// list first, then a refresh at once for an event that comes after a quiet period, one refresh per burst for events
/// that follow closely (coalesced until a quiet period passes), and a periodic full list as a safety net, sooner while
/// swarm tasks are starting (no event tells when a task on another node runs).
/// </summary>
/// <remarks>
/// A refresh after container events inspects just those containers and patches the last inventory (one request per
/// container instead of a list and an inspect of everything: the list is most of the event-to-kernel latency); any
/// other event (swarm service or node), a swarm task's container on a manager, the periodic timer and every
/// reconnection take a full list.
/// <para>
/// A network (dis)connection names its container, and its inspect often answers before the <c>start</c> event
/// arrives: the source uses that early answer when it shows the start (the ordering and the rules: docs/architecture.md,
/// "Docker events and the early inspect").
/// </para>
/// <para>
/// When Docker goes away the last snapshot stands: an unreachable engine is never reported as "no containers", which
/// would tear down every Docker-declared service. The source reconnects with exponential backoff and relists once
/// Docker answers again. <see cref="Snapshots"/> holds at most the newest snapshot, so a slow reader skips stale ones.
/// </para>
/// </remarks>
public sealed class DockerSource
{
    private const string SwarmTaskLabel = "com.docker.swarm.task.id";

    private readonly IDockerApi _api;
    private readonly DiscoveryOptions _discovery;
    private readonly DockerSourceOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<DockerSnapshot> _snapshots =
        Channel.CreateBounded<DockerSnapshot>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });

    private DockerSnapshot? _current;
    private DockerConnectionState _connection;
    private readonly Lock _pendingLock = new();
    private readonly HashSet<string> _pendingContainers = new(StringComparer.Ordinal);
    private bool _pendingFullList;
    private bool _pendingSwarmEvent;

    /// <summary>A swarm service or node event was relisted and its settle steps are not spent yet (follow loop only).</summary>
    private bool _settlingAfterSwarmEvent;
    private readonly Dictionary<string, EarlyInspect> _early = new(StringComparer.Ordinal);
    private long _fullListsIssued;
    private DockerInventory? _inventory;
    private long _relists;
    private long _earlyAnswersUsed;
    private long _eventReceivedTicks;

    public DockerSource(IDockerApi api, DiscoveryOptions discovery, DockerSourceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(discovery);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _api = api;
        _discovery = discovery;
        _options = options;
        _time = time;
        _connection = new DockerConnectionState(DockerConnectionStatus.Connecting, time.GetUtcNow());
    }

    /// <summary>The latest snapshot, or null until the first full list succeeded.</summary>
    public DockerSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>New snapshots; capacity one, the newest wins.</summary>
    public ChannelReader<DockerSnapshot> Snapshots => _snapshots.Reader;

    public DockerConnectionState Connection => Volatile.Read(ref _connection);

    /// <summary>Refreshes (full lists and container inspects) done so far (for metrics; also lets tests see coalescing).</summary>
    public long Relists => Interlocked.Read(ref _relists);

    /// <summary>Refreshes of a container served by the inspect its network event started (no request of their own).</summary>
    public long EarlyAnswersUsed => Interlocked.Read(ref _earlyAnswersUsed);

    /// <summary>Runs until cancelled; Docker failures never end it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new ExponentialBackoff(_options.InitialBackoff, _options.MaxBackoff);
        int failures = 0;
        try
        {
            while (true)
            {
                try
                {
                    await RunSessionAsync(() => failures = 0, cancellationToken);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested)
                {
                    MarkDisconnected(error);
                }

                await Task.Delay(backoff.After(++failures), _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _snapshots.Writer.TryComplete();
        }
    }

    /// <summary>One connection: follow events, list, then relist on events and on the timer until something fails.</summary>
    private async Task RunSessionAsync(Action onConnected, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        // Events are followed before the first list, so a change made while listing still triggers a relist.
        lock (_pendingLock)
        {
            _pendingContainers.Clear();
            _pendingFullList = false;
            _pendingSwarmEvent = false;
            _early.Clear();
        }

        Task watch = PumpEventsAsync(changed.Writer, session.Token);
        try
        {
            await RelistAsync(fullList: true, cancellationToken);
            MarkConnected();
            onConnected();
            await FollowAsync(changed.Reader, watch, cancellationToken);
        }
        finally
        {
            await session.CancelAsync();
            await watch.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task PumpEventsAsync(ChannelWriter<bool> changed, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await foreach (DockerEvent dockerEvent in _api.WatchAsync(cancellationToken))
        {
            if (!dockerEvent.ChangesDeclarations)
            {
                continue;
            }


            if (dockerEvent.NetworkedContainer is { } networked)
            {
                // Its answer triggers the refresh (InspectEarlyAsync).
                StartEarlyInspect(networked, dockerEvent.Time, changed, cancellationToken);
                continue;
            }

            lock (_pendingLock)
            {
                if (dockerEvent.Type == "container" && dockerEvent.ActorId.Length > 0)
                {
                    if (dockerEvent.Action == "start" && _early.TryGetValue(dockerEvent.ActorId, out EarlyInspect? early))
                    {
                        early.StartSeenAt = dockerEvent.Time ?? DateTimeOffset.MaxValue;
                    }
                    else
                    {
                        // The container changed after that inspect was sent: its answer may predate the change.
                        _early.Remove(dockerEvent.ActorId);
                    }

                    _pendingContainers.Add(dockerEvent.ActorId);
                }
                else
                {
                    _pendingFullList = true;
                    _pendingSwarmEvent |= dockerEvent.Type is "service" or "node";
                }
            }

            Wake(changed);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new DockerUnavailableException("the Docker event stream ended");
    }

    private async Task FollowAsync(ChannelReader<bool> changed, Task watch, CancellationToken cancellationToken)
    {
        DateTimeOffset lastRelist = _time.GetUtcNow();
        TimeSpan settle = _options.SwarmSettleInterval;
        DateTimeOffset relistAt = lastRelist + NextRelistDelay(ref settle);
        while (true)
        {
            bool periodic = true;
            TimeSpan untilRelist = relistAt - _time.GetUtcNow();
            if (untilRelist > TimeSpan.Zero)
            {
                // An event after a quiet spell is relisted at once (a container start should reach the kernel in
                // milliseconds); one that follows a relist closely is part of a burst and waits for the burst to end.
                if (await EventArrivedWithinAsync(changed, untilRelist, watch, cancellationToken))
                {
                    periodic = false;
                    settle = _options.SwarmSettleInterval;
                    changed.TryRead(out _);
                    if (_time.GetUtcNow() - lastRelist < _options.QuietPeriod)
                    {
                        await CoalesceAsync(changed, watch, cancellationToken);
                    }
                }
            }

            await RelistAsync(fullList: periodic, cancellationToken);
            lastRelist = _time.GetUtcNow();
            relistAt = lastRelist + NextRelistDelay(ref settle);
        }
    }

    /// <summary>
    /// The periodic interval, or while the swarm is settling the settle step (<paramref name="settle"/>, doubled for
    /// the next time and reset by an event): how a task's start on another node reaches this node's table. The swarm
    /// settles while tasks are starting, and after a service or node event until the steps reach the period: the
    /// manager acts on a scale or a drain after the event, so the relist the event caused may still show the old tasks.
    /// </summary>
    private TimeSpan NextRelistDelay(ref TimeSpan settle)
    {
        if (_inventory?.Swarm is not { HasTasksStarting: true } && !_settlingAfterSwarmEvent)
        {
            settle = _options.SwarmSettleInterval;
            return _options.RelistInterval;
        }

        TimeSpan delay = Min(settle, _options.RelistInterval);
        settle = Min(settle * 2, _options.RelistInterval);
        _settlingAfterSwarmEvent &= delay < _options.RelistInterval;
        return delay;
    }

    /// <summary>Waits until events stop for the quiet period, or the burst has lasted the longest allowed delay.</summary>
    private async Task CoalesceAsync(ChannelReader<bool> changed, Task watch, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + _options.MaxCoalesceDelay;
        while (true)
        {
            TimeSpan quiet = Min(_options.QuietPeriod, deadline - _time.GetUtcNow());
            if (quiet <= TimeSpan.Zero)
            {
                return;
            }

            if (!await EventArrivedWithinAsync(changed, quiet, watch, cancellationToken))
            {
                return;
            }

            changed.TryRead(out _);
        }
    }

    /// <summary>
    /// True when an event arrives within <paramref name="delay"/>, false when the time runs out first (the
    /// convention of <see cref="SemaphoreSlim.WaitAsync(TimeSpan)"/>). The event watch ending first rethrows its failure.
    /// </summary>
    private async Task<bool> EventArrivedWithinAsync(ChannelReader<bool> changed, TimeSpan delay, Task watch, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<bool> signal = changed.WaitToReadAsync(wait.Token).AsTask();
        Task timer = Task.Delay(delay, _time, wait.Token);
        Task first = await Task.WhenAny(signal, timer, watch);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == watch)
        {
            await watch;
        }

        return first == signal;
    }

    private async Task RelistAsync(bool fullList, CancellationToken cancellationToken)
    {
        long eventTicks = Interlocked.Exchange(ref _eventReceivedTicks, 0);
        string[] containers;
        lock (_pendingLock)
        {
            containers = [.. _pendingContainers];
            fullList |= _pendingFullList;
            _settlingAfterSwarmEvent |= _pendingSwarmEvent;
            _pendingContainers.Clear();
            _pendingFullList = false;
            _pendingSwarmEvent = false;
        }

        long started = _time.GetTimestamp();
        long earlyBefore = EarlyAnswersUsed;
        DockerInventory inventory = !fullList && _inventory is { } known
            ? await PatchAsync(known, containers, cancellationToken) ?? await ListAsync(cancellationToken)
            : await ListAsync(cancellationToken);
        _inventory = inventory;
        Interlocked.Increment(ref _relists);
        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(inventory, _discovery);
        DockerSnapshot? previous = Current;
        if (previous is not null && previous.Declarations.Equals(declarations))
        {
            return;
        }

        var snapshot = new DockerSnapshot((previous?.Revision ?? 0) + 1, _time.GetUtcNow(), declarations, _time.GetElapsedTime(started),
            eventTicks == 0 ? null : new DateTimeOffset(eventTicks, TimeSpan.Zero), (int)(EarlyAnswersUsed - earlyBefore));
        Volatile.Write(ref _current, snapshot);
        _snapshots.Writer.TryWrite(snapshot);
    }

    /// <summary>
    /// <paramref name="inventory"/> with <paramref name="ids"/> inspected anew: added while running with ipvs labels,
    /// dropped otherwise. Null when a full list is needed instead: a swarm task's container changed on a manager,
    /// whose task states only the swarm view has.
    /// </summary>
    private async Task<DockerInventory?> PatchAsync(DockerInventory inventory, string[] ids, CancellationToken cancellationToken)
    {
        var containers = inventory.Containers.ToDictionary(container => container.ID, StringComparer.Ordinal);
        foreach (string id in ids)
        {
            ContainerInspectResponse? container = await InspectAsync(id, cancellationToken);
            if (inventory.Swarm is not null && container?.Config?.Labels?.ContainsKey(SwarmTaskLabel) == true)
            {
                return null;
            }

            // Events carry full ids; a prefix match also drops a container that is gone when given a short one.
            foreach (string known in containers.Keys.Where(known => known.StartsWith(id, StringComparison.Ordinal)).ToList())
            {
                containers.Remove(known);
            }

            if (container is { State.Running: true } && HasIpvsLabel(container))
            {
                containers[container.ID] = container;
            }
        }

        return inventory with { Containers = [.. containers.Values] };
    }

    private Task<DockerInventory> ListAsync(CancellationToken cancellationToken)
    {
        // Early inspects sent before this list may answer with an older state than it saw.
        Interlocked.Increment(ref _fullListsIssued);
        return _api.ListAsync(cancellationToken);
    }

    /// <summary>
    /// Inspects a network event's container in the background; the answer, unless a later event or a full list made it
    /// stale, marks the container for refresh and wakes the relist loop.
    /// </summary>
    private void StartEarlyInspect(string id, DateTimeOffset? networkEventAt, ChannelWriter<bool> changed, CancellationToken cancellationToken)
    {
        var early = new EarlyInspect(networkEventAt, Interlocked.Read(ref _fullListsIssued));
        lock (_pendingLock)
        {
            _early[id] = early;
        }

        _ = InspectEarlyAsync(id, early, changed, cancellationToken);
    }

    private async Task InspectEarlyAsync(string id, EarlyInspect early, ChannelWriter<bool> changed, CancellationToken cancellationToken)
    {
        try
        {
            early.Answer(await _api.InspectContainerAsync(id, cancellationToken));
        }
        catch (Exception)
        {
            // Whatever went wrong, the refresh inspects afresh and meets the failure itself.
            early.Fail();
        }

        lock (_pendingLock)
        {
            if (!_early.TryGetValue(id, out EarlyInspect? current) || current != early)
            {
                return;
            }

            _pendingContainers.Add(id);
        }

        Wake(changed);
    }

    /// <summary>Something is pending: notes when the first change of this refresh arrived and wakes the relist loop.</summary>
    private void Wake(ChannelWriter<bool> changed)
    {
        Interlocked.CompareExchange(ref _eventReceivedTicks, _time.GetUtcNow().UtcTicks, 0);
        changed.TryWrite(true);
    }

    /// <summary>
    /// The container as of now: the early inspect's answer when it is fresh enough (see <see cref="EarlyInspect.Covers"/>),
    /// else a new inspect.
    /// </summary>
    private async Task<ContainerInspectResponse?> InspectAsync(string id, CancellationToken cancellationToken)
    {
        EarlyInspect? early;
        lock (_pendingLock)
        {
            // One still in flight with no start event seen waits on a start not done yet: not awaited here.
            if (_early.TryGetValue(id, out early) && (early.IsAnswered || early.StartSeenAt is not null))
            {
                _early.Remove(id);
            }
            else
            {
                early = null;
            }
        }

        if (early is not null && early.FullListsIssued == Interlocked.Read(ref _fullListsIssued))
        {
            (bool answered, ContainerInspectResponse? container) = await early.Answered;
            if (answered && early.Covers(container))
            {
                Interlocked.Increment(ref _earlyAnswersUsed);
                return container;
            }
        }

        return await _api.InspectContainerAsync(id, cancellationToken);
    }

    /// <summary>An inspect sent when a network event named the container, ahead of the container's own events.</summary>
    /// <param name="networkEventAt">Docker's time of that network event.</param>
    /// <param name="fullListsIssued">Full lists issued before it was sent.</param>
    private sealed class EarlyInspect(DateTimeOffset? networkEventAt, long fullListsIssued)
    {
        private readonly TaskCompletionSource<(bool Answered, ContainerInspectResponse? Container)> _answer =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long FullListsIssued => fullListsIssued;

        /// <summary>Docker's time of a <c>start</c> event for the container received after it was sent, if any.</summary>
        public DateTimeOffset? StartSeenAt { get; set; }

        public bool IsAnswered => _answer.Task.IsCompleted;

        /// <summary>Whether Docker answered, and with what (null: the container is gone); never throws.</summary>
        public Task<(bool Answered, ContainerInspectResponse? Container)> Answered => _answer.Task;

        public void Answer(ContainerInspectResponse? container) => _answer.TrySetResult((true, container));

        public void Fail() => _answer.TrySetResult((false, null));

        /// <summary>
        /// Whether the answer shows the container as of every event since it was sent: none came, or only a start, and
        /// the answer shows the container running since a start between the network event and that start event.
        /// </summary>
        public bool Covers(ContainerInspectResponse? container) =>
            StartSeenAt is not { } startEvent
            || (container is { State.Running: true } && networkEventAt is { } networkEvent
                && DockerTime.TryParse(container.State.StartedAt, out DateTimeOffset startedAt)
                && startedAt >= networkEvent && startedAt <= startEvent);
    }

    private static bool HasIpvsLabel(ContainerInspectResponse container) =>
        container.Config?.Labels?.Keys.Any(label => label.StartsWith(ContainerLabelParser.Prefix, StringComparison.Ordinal)) == true;

    /// <summary>
    /// Raised on the source's loop when the link changes: connected (at first, or again), lost, or lost for another
    /// reason than before; not for each retry that fails the same way. The argument is the link before the change.
    /// </summary>
    public event Action<DockerConnectionState, DockerConnectionState>? ConnectionChanged;

    private void MarkConnected()
    {
        DockerConnectionState previous = Connection;
        DockerConnectionState current = previous with { Status = DockerConnectionStatus.Connected, Since = _time.GetUtcNow() };
        Volatile.Write(ref _connection, current);
        if (previous.Status != DockerConnectionStatus.Connected)
        {
            ConnectionChanged?.Invoke(previous, current);
        }
    }

    private void MarkDisconnected(Exception error)
    {
        DockerConnectionState previous = Connection;
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset since = previous.Status == DockerConnectionStatus.Disconnected ? previous.Since : now;
        var current = new DockerConnectionState(DockerConnectionStatus.Disconnected, since, error.Message, now);
        Volatile.Write(ref _connection, current);
        if (previous.Status != DockerConnectionStatus.Disconnected || previous.LastError != error.Message)
        {
            ConnectionChanged?.Invoke(previous, current);
        }
    }

    private static TimeSpan Min(TimeSpan left, TimeSpan right) => left < right ? left : right;
}

/// <summary>Docker did not answer, or its event stream ended.</summary>
public sealed class DockerUnavailableException : Exception
{
    public DockerUnavailableException()
    {
    }

    public DockerUnavailableException(string message)
        : base(message)
    {
    }

    public DockerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
