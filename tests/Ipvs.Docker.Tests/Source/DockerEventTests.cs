using Docker.DotNet.Models;
using Ipvs.Docker.Source;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests.Source;

public sealed class DockerEventTests
{
    [Theory]
    [InlineData("container", "start", true)]
    [InlineData("container", "die", true)]
    [InlineData("container", "stop", true)]
    [InlineData("container", "kill", true)]
    [InlineData("container", "destroy", true)]
    [InlineData("container", "pause", true)]
    [InlineData("container", "unpause", true)]
    [InlineData("container", "health_status: unhealthy", true)]
    [InlineData("network", "connect", true)]
    [InlineData("network", "disconnect", true)]
    [InlineData("service", "update", true)]
    [InlineData("node", "update", true)]
    [InlineData("container", "create", false)]
    [InlineData("container", "exec_start: /bin/sh -c true", false)]
    [InlineData("network", "create", false)]
    [InlineData("image", "tag", false)]
    public void ChangesDeclarations_ByTypeAndAction(string type, string action, bool expected) =>
        Assert.Equal(expected, new DockerEvent(type, action, "id").ChangesDeclarations);

    [Theory]
    [InlineData("network", "connect", "abc123", "abc123")]
    [InlineData("network", "disconnect", "abc123", "abc123")]
    [InlineData("network", "connect", "", null)]
    [InlineData("network", "create", "abc123", null)]
    [InlineData("container", "start", "abc123", null)]
    public void NetworkedContainer_ByTypeActionAndAttribute(string type, string action, string container, string? expected) =>
        Assert.Equal(expected, new DockerEvent(type, action, "id", container).NetworkedContainer);

    [Fact]
    public void FromTimeNano_DockersNanoseconds_TruncatesToTicks()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 43, 8, TimeSpan.Zero).AddTicks(9343982), DockerEvent.FromTimeNano(1795614188934398292));
        Assert.Null(DockerEvent.FromTimeNano(null));
        Assert.Null(DockerEvent.FromTimeNano(0));
    }

    [Fact]
    public void ChangesDeclarations_CapturedEventStream_KeepsLifecycleAndDropsHealthcheckExecs()
    {
        // Events dockerd 20.10 sent in the lab while Fixtures/capture.sh ran.
        DockerEvent[] events = [.. DockerFixtures.Lines("events.jsonl").Select(line =>
        {
            Message message = DockerFixtures.Deserialize<Message>(System.Text.Encoding.UTF8.GetBytes(line));
            return new DockerEvent(message.Type, message.Action, message.Actor.ID);
        })];

        string[] relevant = [.. events.Where(e => e.ChangesDeclarations).Select(e => $"{e.Type} {e.Action}").Distinct().Order(StringComparer.Ordinal)];

        Assert.True(events.Length > 50);
        Assert.Equal(
            ["container health_status: healthy", "container health_status: unhealthy", "container pause", "container start", "network connect"],
            relevant);
    }
}
