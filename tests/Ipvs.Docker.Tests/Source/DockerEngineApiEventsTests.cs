using Ipvs.Docker.Source;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests.Source;

/// <summary>The event stream as <see cref="DockerEngineApi"/> reads it from an engine on a unix socket.</summary>
public sealed class DockerEngineApiEventsTests : IDisposable
{
    private readonly DirectoryInfo _sockets = Directory.CreateTempSubdirectory("ipvs-events-");

    public void Dispose() => _sockets.Delete(recursive: true);

    [Fact]
    public async Task WatchAsync_CapturedStartSequence_CarriesTheNetworkEventsContainerAndDockersTimes()
    {
        // web-bridge's network connect and start as dockerd 20.10 sent them in the lab (Fixtures/events.jsonl).
        string[] captured = [.. DockerFixtures.Lines("events.jsonl").Where(line =>
            line.Contains("524661ff90af8e79755f2bda36fc26e4287cabc24d53253f4c1a6bff79c2a475", StringComparison.Ordinal)
            && (line.Contains("\"Action\":\"connect\"", StringComparison.Ordinal) || line.Contains("\"Action\":\"start\"", StringComparison.Ordinal)))];
        Assert.Equal(2, captured.Length);
        await using FakeDockerEngine engine = FakeDockerEngine.Start(Path.Combine(_sockets.FullName, "docker.sock"), new Dictionary<string, FakeDockerResponse>
        {
            ["GET /events"] = new(200, string.Join('\n', captured) + "\n", Streams: true),
        });
        using var api = new DockerEngineApi(engine.Endpoint);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(10));

        List<DockerEvent> events = [];
        await foreach (DockerEvent dockerEvent in api.WatchAsync(stop.Token))
        {
            events.Add(dockerEvent);
            if (events.Count == 2)
            {
                break;
            }
        }

        (DockerEvent connect, DockerEvent start) = (events[0], events[1]);
        Assert.Equal("524661ff90af8e79755f2bda36fc26e4287cabc24d53253f4c1a6bff79c2a475", connect.NetworkedContainer);
        Assert.Equal("28aca14544d9c63787a46fa1df500be48caaf6697dba4dec3415232ce03da00f", connect.ActorId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(1795614188934398292 / 100), connect.Time);
        Assert.Null(start.NetworkedContainer);
        Assert.Equal(("container", "start"), (start.Type, start.Action));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(1795614196698393428 / 100), start.Time);
    }
}
