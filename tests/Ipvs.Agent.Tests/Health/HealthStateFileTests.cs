using Ipvs.Agent.Health;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Health;

public sealed class HealthStateFileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-health-").FullName;

    internal static readonly HealthTarget Web = new(Tcp("10.99.0.10"), new RealServerKey(NetAddress.Parse("10.1.1.2"), 8080));

    internal static readonly HealthTarget WebV6 = new(Tcp("10.99.0.10"), new RealServerKey(NetAddress.Parse("fd00::3"), 8080));

    internal static (HealthTarget, HealthCheck, ServerHealth) Down(HealthTarget target, DateTimeOffset since) =>
        (target, HealthCheck.Of(HealthCheckKind.Http) with { Path = "/healthz", Port = 9000 },
            new ServerHealth(false, since, 0, 3, new CheckResult(false, "connection refused", TimeSpan.FromMilliseconds(0.25), since)));

    internal static (HealthTarget, HealthCheck, ServerHealth) Unchecked(HealthTarget target, DateTimeOffset since) =>
        (target, HealthCheck.Of(HealthCheckKind.Tcp), ServerHealth.Unchecked(HealthCheck.Of(HealthCheckKind.Tcp), since));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Parse_WhatSerializeWrote_GivesBackEveryField()
    {
        string json = HealthStateFile.Serialize([Down(Web, Now.AddMinutes(-2)), Unchecked(WebV6, Now)], Now);

        HealthState state = HealthStateFile.Parse("health.json", json);

        Assert.Equal(Now, state.WrittenAt);
        HealthStateEntry down = state.Targets[Web];
        Assert.Equal(new HealthStateEntry(HealthCheckKind.Http, 9000, "/healthz", TimeSpan.FromSeconds(5), Down(Web, Now.AddMinutes(-2)).Item3), down);
        HealthStateEntry fresh = state.Targets[WebV6];
        Assert.Equal(HealthCheckKind.Tcp, fresh.Kind);
        Assert.Equal(8080, fresh.Port);
        Assert.True(fresh.Health.Up);
        Assert.Null(fresh.Health.Last);
    }

    [Fact]
    public void Load_NoFile_IsNull()
    {
        Assert.Null(HealthStateFile.Load(Path.Combine(_directory, "health.json")));
    }

    [Fact]
    public void Save_ThenLoad_ReplacesTheFileAndLeavesNoTemporary()
    {
        string path = HealthStateFile.PathIn(_directory);
        HealthStateFile.Save(path, [Down(Web, Now)], Now);
        HealthStateFile.Save(path, [Unchecked(WebV6, Now)], Now.AddSeconds(1));

        HealthState state = HealthStateFile.Load(path)!;

        Assert.Equal([WebV6], state.Targets.Keys);
        Assert.Equal(["health.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_ThousandTargets_OneLineFileThatLoadsEveryTarget()
    {
        string path = HealthStateFile.PathIn(_directory);
        (HealthTarget, HealthCheck, ServerHealth)[] targets = [.. Enumerable.Range(0, 1000).Select(index =>
            Down(new HealthTarget(Tcp("10.99.0.10"), new RealServerKey(NetAddress.Parse($"10.1.{index / 250}.{(index % 250) + 1}"), 8080)), Now))];

        HealthStateFile.Save(path, targets, Now);

        // Written in pieces (the writer is flushed as it goes), compact: a mirror for tools, not for reading by eye.
        Assert.True(new FileInfo(path).Length > 64 * 1024, $"{new FileInfo(path).Length} bytes");
        Assert.DoesNotContain('\n', File.ReadAllText(path));
        Assert.Equal(1000, HealthStateFile.Load(path)!.Targets.Count);
    }

    [Theory]
    [InlineData("\"up\": false", "\"up\": \"no\"", "/x/health.json: target 0: field up: expected true or false")]
    [InlineData("\"server\": \"10.1.1.2:8080\"", "\"server\": \"10.1.1.2\"", "/x/health.json: target 0: field server: \"10.1.1.2\" is not a real server such as 10.1.1.2:8080")]
    [InlineData("\"check\": \"http\"", "\"check\": \"icmp\"", "/x/health.json: target 0: field check: \"icmp\" is not one of tcp, http, https")]
    [InlineData("\"consecutiveFailures\": 3", "\"consecutiveFailures\": -3", "/x/health.json: target 0: field consecutiveFailures: expected a whole number from 0 to 2147483647")]
    [InlineData("\"targets\": [", "\"targets\": 7, \"x\": [", "/x/health.json: field targets: expected a list")]
    public void Parse_BadField_ErrorNamesFileTargetAndField(string good, string bad, string expected)
    {
        string json = HealthStateFile.Serialize([Down(Web, Now)], Now);
        Assert.Contains(good, json, StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => HealthStateFile.Parse("/x/health.json", json.Replace(good, bad, StringComparison.Ordinal)));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Parse_NotJson_ErrorNamesFileAndLine()
    {
        var error = Assert.Throws<FormatException>(() => HealthStateFile.Parse("/x/health.json", "{\n  \"writtenAt\": ]"));

        Assert.StartsWith("/x/health.json:2: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsStale_OlderThanThreeLongestIntervals_IsTrueAndNotBefore()
    {
        HealthState state = HealthStateFile.Parse("health.json", HealthStateFile.Serialize([Down(Web, Now)], Now));

        Assert.False(state.IsStale(Now.AddSeconds(15)));
        Assert.True(state.IsStale(Now.AddSeconds(15.001)));
    }
}
