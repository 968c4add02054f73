using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.Tests.Support;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Engine;
using Ipvs.Engine.Tests.Support;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class DockerDesiredSourceTests
{
    [Fact]
    public async Task Current_DockerSnapshotUnchanged_IsTheSameInstanceSoTheLastMergeIsReused()
    {
        var docker = new DockerSource(new QuietDockerApi(), new DiscoveryOptions(Services.Policy), DockerSourceOptions.Default, TimeProvider.System);
        var source = new DockerDesiredSource(docker, new TestLog().Logger);
        using var stop = new CancellationTokenSource();
        Task run = source.RunAsync(() => { }, stop.Token);
        for (int i = 0; i < 500 && source.Current is null; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        SourceSnapshot? first = source.Current;
        SourceSnapshot? second = source.Current;
        await stop.CancelAsync();
        await run;

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    private static readonly DateTimeOffset Then = new(2026, 12, 5, 0, 47, 0, TimeSpan.Zero);

    [Fact]
    public void Describe_Lost_WarnsWithTheEndpointsError()
    {
        var connected = new DockerConnectionState(DockerConnectionStatus.Connected, Then);
        var lost = new DockerConnectionState(DockerConnectionStatus.Disconnected, Then.AddSeconds(30), "Swarm manager at tcp://node1:2376/ is unreachable: Connection refused", Then.AddSeconds(30));

        (Serilog.Events.LogEventLevel level, string message) = DockerDesiredSource.Describe(connected, lost)!.Value;

        Assert.Equal(Serilog.Events.LogEventLevel.Warning, level);
        Assert.Equal("Docker unavailable: Swarm manager at tcp://node1:2376/ is unreachable: Connection refused; the last known state stays in the kernel, retrying", message);
    }

    [Fact]
    public void Describe_BackAfterALoss_SaysHowLongItWasDown()
    {
        var lost = new DockerConnectionState(DockerConnectionStatus.Disconnected, Then, "refused", Then.AddSeconds(60));
        var back = new DockerConnectionState(DockerConnectionStatus.Connected, Then.AddSeconds(75), "refused", Then.AddSeconds(60));

        (Serilog.Events.LogEventLevel level, string message) = DockerDesiredSource.Describe(lost, back)!.Value;

        Assert.Equal(Serilog.Events.LogEventLevel.Information, level);
        Assert.Equal("Docker reachable again after 75 s; relisted", message);
    }

    [Fact]
    public void Describe_FirstConnection_SaysNothing() =>
        Assert.Null(DockerDesiredSource.Describe(new DockerConnectionState(DockerConnectionStatus.Connecting, Then), new DockerConnectionState(DockerConnectionStatus.Connected, Then)));
}
