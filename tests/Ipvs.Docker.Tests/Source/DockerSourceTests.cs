using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Docker.Tests.Discovery;
using Ipvs.Docker.Tests.Support;
using Ipvs.Engine.Tests.Support;

namespace Ipvs.Docker.Tests.Source;

public sealed class DockerSourceTests : IAsyncDisposable
{
    private static readonly DockerSourceOptions _options = new(
        QuietPeriod: TimeSpan.FromMilliseconds(250),
        MaxCoalesceDelay: TimeSpan.FromSeconds(2),
        RelistInterval: TimeSpan.FromSeconds(30),
        InitialBackoff: TimeSpan.FromSeconds(1),
        MaxBackoff: TimeSpan.FromSeconds(8));

    private static readonly DockerEvent _start = new("container", "start", "524661ff90af");
    private static readonly DockerEvent _startFront = new("container", "start", "93126d2a7405");
    private static readonly DockerEvent _startHealthy = new("container", "start", "99b5638673ce");

    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDockerApi _api = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DockerSource _source;
    private Task? _run;

    public DockerSourceTests()
    {
        _source = new DockerSource(_api, new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed), _options, _time);
    }

    private static DockerInventory Inventory(params string[] fixtures) => new([.. fixtures.Select(DockerFixtures.Container)]);

    // Fixtures/web-front.json started at 13:43:17.885011284Z.
    private static readonly DateTimeOffset BeforeFrontStarted = new(2026, 11, 25, 13, 43, 10, TimeSpan.Zero);
    private static readonly DateTimeOffset AfterFrontStarted = new(2026, 11, 25, 13, 43, 18, TimeSpan.Zero);

    private static DockerEvent ConnectFront(DateTimeOffset at) => new("network", "connect", "f00dfeed0001", "93126d2a7405", at);

    /// <summary>Connected with web-bridge, a quiet second later web-front's network connect comes while dockerd holds inspects (a start in progress).</summary>
    private async Task ConnectFrontWhileInspectsWaitAsync(DateTimeOffset connectAt)
    {
        await StartConnectedAsync("web-bridge");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        _api.HoldInspects();
        _api.Push(ConnectFront(connectAt));
        await Eventually.TrueAsync(() => _api.Inspects == 1, "the network event's container is inspected");
    }

    private static DockerEvent StartFront(DateTimeOffset at) => new("container", "start", "93126d2a7405", Time: at);

    private string?[] ServiceNames() => [.. _source.Current!.Declarations.Services.Select(service => service.Source.Name).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Pushes an event the loop acts on and waits until it has: acting on one always ends in a new wait on a timer (a
    /// coalesce, or the next relist's), created after the decision the test measures, so fake time moved from then on
    /// counts exactly however slowly a loaded machine runs the loop.
    /// </summary>
    private async Task PushTakenAsync(DockerEvent dockerEvent)
    {
        int created = _time.CreatedTimers;
        _api.Push(dockerEvent);
        await Eventually.TrueAsync(() => _time.CreatedTimers > created && _time.ArmedTimers > 0, $"the loop took the event {dockerEvent}");
    }

    private async Task StartConnectedAsync(params string[] fixtures)
    {
        _api.SetInventory(Inventory(fixtures));
        _run = _source.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected && _api.IsWatching, "the source is connected");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }

    [Fact]
    public async Task RunAsync_DockerUp_PublishesTheFirstListAsRevisionOne()
    {
        await StartConnectedAsync("web-bridge", "web-front");

        Assert.True(_source.Snapshots.TryRead(out DockerSnapshot? snapshot));
        Assert.Equal(1, snapshot.Revision);
        Assert.Equal(2, snapshot.Declarations.Services.Count);
        Assert.Same(snapshot, _source.Current);
        Assert.Equal(_time.GetUtcNow(), _source.Connection.Since);
    }

    [Fact]
    public async Task RunAsync_BurstOfEvents_CoalescesIntoOneRelist()
    {
        await StartConnectedAsync("web-bridge");
        _api.SetInventory(Inventory("web-bridge", "web-front", "web-healthy"));

        for (int i = 0; i < 5; i++)
        {
            _api.Push(i % 2 == 0 ? _startFront : _startHealthy);
            await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, _source.Relists);
        await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(300));

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the burst is relisted");
        Assert.Equal(2, _source.Relists);
        Assert.Equal(3, _source.Current!.Declarations.Services.Count);
        Assert.True(_source.Snapshots.TryRead(out DockerSnapshot? newest));
        Assert.Equal(2, newest.Revision);
    }

    [Fact]
    public async Task RunAsync_EventAfterAQuietPeriod_RelistsAtOnce()
    {
        await StartConnectedAsync("web-bridge");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        _api.SetInventory(Inventory("web-bridge", "web-front"));

        _api.Push(_startFront);

        // No fake time passes: the refresh must not wait for a quiet period.
        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the event is refreshed");
        Assert.Equal(2, _source.Relists);
        Assert.Equal(2, _source.Current!.Declarations.Services.Count);
    }

    [Fact]
    public async Task RunAsync_ContainerEvents_InspectThoseContainersWithoutAList()
    {
        await StartConnectedAsync("web-bridge", "web-front");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        _api.SetInventory(Inventory("web-bridge", "web-healthy"));

        _api.Push(new DockerEvent("container", "die", "93126d2a7405"));
        _api.Push(_startHealthy);
        await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(300));

        // One refresh or two (a loaded machine may wake the loop between the pushes): either way no list, one inspect each.
        await Eventually.TrueAsync(() => _source.Current is not null && ServiceNames().SequenceEqual(["web-bridge", "web-healthy"]), "both events are refreshed");
        Assert.Equal(1, _api.Lists);
        Assert.Equal(2, _api.Inspects);
        Assert.Equal(0, _source.Current!.EarlyAnswers);
    }

    [Fact]
    public async Task RunAsync_NetworkEventWithoutAContainer_TakesAFullList()
    {
        await StartConnectedAsync("web-bridge");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        _api.SetInventory(Inventory("web-bridge", "web-front"));

        _api.Push(new DockerEvent("network", "connect", "f00dfeed0001"));

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the network event is relisted");
        Assert.Equal(2, _api.Lists);
        Assert.Equal(0, _api.Inspects);
    }

    [Fact]
    public async Task RunAsync_NetworkConnect_InspectsThatContainerAndRefreshesOnTheAnswer()
    {
        await StartConnectedAsync("web-bridge");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        _api.SetInventory(Inventory("web-bridge", "web-front"));

        // No start event: the inspect's answer alone brings the container in.
        _api.Push(ConnectFront(BeforeFrontStarted));

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the answer is refreshed");
        Assert.Equal(1, _api.Lists);
        Assert.Equal(1, _api.Inspects);
        Assert.Equal(1, _source.EarlyAnswersUsed);
        Assert.Equal(1, _source.Current!.EarlyAnswers);
        Assert.NotNull(_source.Current.EventReceivedAt);
        Assert.Equal(["web-bridge", "web-front"], ServiceNames());
    }

    [Fact]
    public async Task RunAsync_StartEventBeforeTheAnswer_AwaitsTheNetworkEventsInspect()
    {
        await ConnectFrontWhileInspectsWaitAsync(BeforeFrontStarted);
        _api.Push(StartFront(AfterFrontStarted));
        await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(100));
        _api.SetInventory(Inventory("web-bridge", "web-front"));
        _api.ReleaseInspects();

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the start is refreshed");
        Assert.Equal(1, _api.Inspects);
        Assert.Equal(1, _source.EarlyAnswersUsed);
        Assert.Equal(["web-bridge", "web-front"], ServiceNames());
    }

    [Fact]
    public async Task RunAsync_StartEventAndAnAnswerFromAnEarlierRun_InspectsAgain()
    {
        // The container's StartedAt (13:43:17.885) precedes the network event: the answer cannot show this start.
        await ConnectFrontWhileInspectsWaitAsync(AfterFrontStarted);
        _api.Push(StartFront(AfterFrontStarted.AddSeconds(1)));
        // The relist loop leaves its wait (disarming its timer) only after the watch recorded the start; released before
        // that, the early answer would come first and be used, as it should for a start it could not yet know of.
        await Eventually.TrueAsync(() => _time.ArmedTimers == 0, "the start event woke the relist loop");
        _api.SetInventory(Inventory("web-bridge", "web-front"));
        _api.ReleaseInspects();

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the start is refreshed");
        Assert.Equal(2, _api.Inspects);
        Assert.Equal(0, _source.EarlyAnswersUsed);
    }

    [Fact]
    public async Task RunAsync_AnotherEventAfterTheNetworkEvent_DiscardsItsAnswerAndInspectsAgain()
    {
        await ConnectFrontWhileInspectsWaitAsync(BeforeFrontStarted);
        _api.Push(new DockerEvent("container", "pause", "93126d2a7405", Time: AfterFrontStarted));
        await Eventually.TrueAsync(() => _api.Inspects == 2, "the pause event's own inspect is sent");
        ContainerInspectResponse paused = DockerFixtures.Container("web-front");
        paused.State!.Paused = true;
        _api.SetInventory(new([DockerFixtures.Container("web-bridge"), paused]));
        _api.ReleaseInspects();

        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the pause is refreshed");
        Assert.Equal(0, _source.EarlyAnswersUsed);
    }

    [Fact]
    public async Task RunAsync_FullListAfterTheNetworkEvent_DiscardsItsAnswer()
    {
        await ConnectFrontWhileInspectsWaitAsync(BeforeFrontStarted);
        _api.SetInventory(Inventory("web-bridge", "web-front"));
        await Eventually.AdvanceAsync(_time, _options.RelistInterval);
        await Eventually.TrueAsync(() => _source.Current?.Revision == 2, "the periodic list sees the container");
        _api.ReleaseInspects();

        await Eventually.TrueAsync(() => _api.Inspects == 2, "the answer, older than the list, is replaced by an inspect");
        Assert.Equal(0, _source.EarlyAnswersUsed);
        Assert.Equal(2, _source.Current!.Revision);
    }

    private static DockerInventory SwarmWithTask(TaskState state) => new([], new SwarmInventory(
        [],
        [new TaskResponse { ID = "task-1", DesiredState = TaskState.Running, Status = new global::Docker.DotNet.Models.TaskStatus { State = state } }],
        []));

    /// <summary>
    /// Advances fake time in 100 ms steps, each only once the source waits on a timer (so the loop's own speed adds
    /// nothing), until it lists again (at most <paramref name="limit"/>); how long that took.
    /// </summary>
    private async Task<TimeSpan> UntilNextListAsync(TimeSpan limit)
    {
        int before = _api.Lists;
        DateTimeOffset from = _time.GetUtcNow();
        while (true)
        {
            await Eventually.TrueAsync(() => _time.ArmedTimers > 0, "the source waits on a timer");
            if (_api.Lists != before || _time.GetUtcNow() - from >= limit)
            {
                return _time.GetUtcNow() - from;
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task RunAsync_SwarmTaskStarting_RelistsAfterOneTwoFourSecondsThenPeriodicallyOnceItRuns()
    {
        _api.SetInventory(SwarmWithTask(TaskState.Pending));
        _run = _source.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected, "the source is connected");

        double[] gaps = [(await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds,
            (await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds,
            (await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds];
        _api.SetInventory(SwarmWithTask(TaskState.Running));
        double seenRunning = (await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds;
        double periodic = (await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds;

        Assert.Equal([1, 2, 4], gaps);
        Assert.Equal(8, seenRunning);
        Assert.Equal(30, periodic);
    }

    [Fact]
    public async Task RunAsync_SwarmServiceEvent_RelistsAtOnceThenAfterOneTwoFourEightSixteenSecondsThenPeriodically()
    {
        _api.SetInventory(SwarmWithTask(TaskState.Running));
        _run = _source.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected && _api.IsWatching, "the source is connected");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));

        await PushTakenAsync(new DockerEvent("service", "update", "k3t9wq0x1y2z3a4b5c6d7e8f9"));
        int afterEvent = _api.Lists;
        double[] gaps = new double[6];
        for (int i = 0; i < gaps.Length; i++)
        {
            gaps[i] = (await UntilNextListAsync(TimeSpan.FromSeconds(40))).TotalSeconds;
        }

        Assert.Equal(2, afterEvent);
        Assert.Equal([1, 2, 4, 8, 16, 30], gaps);
    }

    [Fact]
    public async Task RunAsync_NoSwarmTaskStarting_RelistsOnlyPeriodically()
    {
        _api.SetInventory(SwarmWithTask(TaskState.Running));
        _run = _source.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected, "the source is connected");

        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(29));

        Assert.Equal(1, _api.Lists);
    }

    [Fact]
    public async Task RunAsync_BurstAfterAQuietPeriod_FirstEventAtOnceTheRestCoalesced()
    {
        await StartConnectedAsync("web-bridge");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));

        await PushTakenAsync(_start);
        Assert.Equal(2, _source.Relists);
        for (int i = 0; i < 4; i++)
        {
            await PushTakenAsync(_start);
            await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(2, _source.Relists);
        await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(300));
        await Eventually.TrueAsync(() => _source.Relists == 3, "the rest of the burst is relisted once");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        Assert.Equal(3, _source.Relists);
    }

    [Fact]
    public async Task RunAsync_EventsNeverStop_RelistsAtTheLongestCoalesceDelay()
    {
        await StartConnectedAsync("web-bridge");

        for (int i = 0; i < 21; i++)
        {
            _api.Push(new DockerEvent("container", "health_status: healthy", "99b5638673ce"));
            await Eventually.AdvanceAsync(_time, TimeSpan.FromMilliseconds(100));
        }

        await Eventually.TrueAsync(() => _source.Relists >= 2, "a relist happens during the storm");
        Assert.Equal(2, _source.Relists);
    }

    [Fact]
    public async Task RunAsync_IrrelevantEvents_DoNotRelist()
    {
        await StartConnectedAsync("web-bridge");

        _api.Push(new DockerEvent("container", "exec_start: /bin/sh -c true", "99b5638673ce"));
        _api.Push(new DockerEvent("image", "pull", "busybox"));
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(3));

        Assert.Equal(1, _source.Relists);
    }

    [Fact]
    public async Task RunAsync_NoEvents_RelistsPeriodicallyWithoutANewRevisionWhenNothingChanged()
    {
        await StartConnectedAsync("web-bridge");

        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(31));

        await Eventually.TrueAsync(() => _source.Relists == 2, "the periodic relist");
        Assert.Equal(1, _source.Current!.Revision);
    }

    [Fact]
    public async Task RunAsync_DockerGoesAway_KeepsLastSnapshotAndReportsDisconnected()
    {
        await StartConnectedAsync("web-bridge", "web-front");
        Assert.True(_source.Snapshots.TryRead(out _));
        DockerSnapshot before = _source.Current!;
        DateTimeOffset brokeAt = _time.GetUtcNow();

        _api.Break();
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Disconnected, "the loss is noticed");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(20));

        Assert.Same(before, _source.Current);
        Assert.False(_source.Snapshots.TryRead(out _));
        DockerConnectionState state = _source.Connection;
        Assert.Equal(brokeAt, state.Since);
        Assert.Contains("Connection refused", state.LastError, StringComparison.Ordinal);
        Assert.True(state.LastErrorAt > brokeAt);
    }

    [Fact]
    public async Task RunAsync_DockerGoesAwayAndComesBack_TellsTheLossOnceAndTheReturnOnce()
    {
        var changes = new System.Collections.Concurrent.ConcurrentQueue<(DockerConnectionStatus From, DockerConnectionStatus To, string? Error)>();
        _source.ConnectionChanged += (previous, current) => changes.Enqueue((previous.Status, current.Status, current.LastError));
        await StartConnectedAsync("web-bridge");

        _api.Break();
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Disconnected, "the loss is noticed");
        int listsAtBreak = _api.Lists;
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(16));
        int retries = _api.Lists - listsAtBreak;
        _api.Restore();
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(9));
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected, "the source reconnects");

        Assert.True(retries >= 3, $"{retries} retries");
        Assert.Collection(changes,
            first => Assert.Equal((DockerConnectionStatus.Connecting, DockerConnectionStatus.Connected), (first.From, first.To)),
            lost =>
            {
                Assert.Equal(DockerConnectionStatus.Disconnected, lost.To);
                Assert.Contains("Connection refused", lost.Error, StringComparison.Ordinal);
            },
            back => Assert.Equal((DockerConnectionStatus.Disconnected, DockerConnectionStatus.Connected), (back.From, back.To)));
    }

    [Fact]
    public async Task RunAsync_DockerDown_RetriesWithDoublingBackoff()
    {
        await StartConnectedAsync("web-bridge");
        _api.Break();
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Disconnected, "the loss is noticed");
        int listsAtBreak = _api.Lists;

        // Attempts after 1, 2, 4, 8, 8 s: at 1, 3, 7, 15 and 23 s.
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(16));
        Assert.Equal(4, _api.Lists - listsAtBreak);
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(8));
        Assert.Equal(5, _api.Lists - listsAtBreak);
    }

    [Fact]
    public async Task RunAsync_DockerBack_RelistsAndReconnects()
    {
        await StartConnectedAsync("web-bridge");
        _api.Break();
        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Disconnected, "the loss is noticed");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(5));

        _api.SetInventory(Inventory("web-front"));
        _api.Restore();
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(5));

        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Connected, "the source reconnects");
        Assert.Equal(2, _source.Current!.Revision);
        Assert.Equal("web-front", Assert.Single(_source.Current.Declarations.Services).Source.Name);
        Assert.Equal(2, _api.Watches);
    }

    [Fact]
    public async Task RunAsync_DockerNeverReached_PublishesNothing()
    {
        _api.Break();
        _run = _source.RunAsync(_stop.Token);

        await Eventually.TrueAsync(() => _source.Connection.Status == DockerConnectionStatus.Disconnected, "the failure is reported");
        await Eventually.AdvanceAsync(_time, TimeSpan.FromSeconds(3));

        Assert.Null(_source.Current);
        Assert.False(_source.Snapshots.TryRead(out _));
    }

    [Fact]
    public async Task RunAsync_Cancelled_CompletesTheSnapshotChannel()
    {
        await StartConnectedAsync("web-bridge");

        await _stop.CancelAsync();
        await _run!.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(_source.Snapshots.TryRead(out _));
        Assert.True(_source.Snapshots.Completion.IsCompleted);
    }

    [Fact]
    public void Constructor_NonPositiveQuietPeriod_ThrowsNamingTheOption()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            new DockerSource(_api, new DiscoveryOptions(DockerDeclarationsBuilderTests.Allowed), _options with { QuietPeriod = TimeSpan.Zero }, _time));

        Assert.Contains("QuietPeriod", error.Message, StringComparison.Ordinal);
    }
}
