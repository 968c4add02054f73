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
}
