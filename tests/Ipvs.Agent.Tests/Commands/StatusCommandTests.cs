using System.Text.Json;
using Ipvs.Agent.Commands;
using Ipvs.Agent.Health;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Commands;

/// <summary>The health column and object of <c>status</c>; the rest of the verb is covered through the command line (<see cref="AgentCliTests"/>).</summary>
public sealed class StatusCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);
    private static readonly DesiredSource File = DesiredSource.StaticFile("/etc/ipvs-agent/services.yaml", "web");
    private static readonly HealthCheck Check = HealthCheck.Of(HealthCheckKind.Http);

    private static readonly RealServer Down = Server("10.1.1.2");
    private static readonly RealServer NotYet = Server("10.1.1.3");
    private static readonly RealServer Unchecked = Server("10.1.1.4");
    private static readonly RealServer Sorry = Server("10.1.1.9");

    private static DesiredState Desired()
    {
        var servers = new Dictionary<RealServerKey, DesiredRealServer>
        {
            [Down.Key] = new(Down, File, Check),
            [NotYet.Key] = new(NotYet, File, Check),
            [Unchecked.Key] = new(Unchecked, File),
        };
        return new DesiredState(1, new Dictionary<VirtualServiceKey, DesiredService> { [Tcp("10.99.0.10")] = new(Service("10.99.0.10"), File, servers, fallback: Sorry) });
    }

    private static KernelTable Kernel() => KernelTable.Create([new KernelService(Service("10.99.0.10"), default,
        [new KernelRealServer(Down with { Weight = 0 }, default), new KernelRealServer(NotYet, default), new KernelRealServer(Unchecked, default), new KernelRealServer(Sorry, default)])]);

    private static HealthState Saved(DateTimeOffset writtenAt) => HealthStateFile.Parse("health.json", HealthStateFile.Serialize(
        [(new HealthTarget(Tcp("10.99.0.10"), Down.Key), Check, new ServerHealth(false, Now.AddSeconds(-12), 0, 3, new CheckResult(false, "connection refused", TimeSpan.FromMilliseconds(1.5), Now.AddSeconds(-1))))],
        writtenAt));

    private static string Render(bool json, HealthState? health)
    {
        using var output = new StringWriter();
        StatusCommand.Write(output, json, Kernel(), Desired(), OwnershipRecord.Empty.WithService(Tcp("10.99.0.10")), [], null, health, Now);
        return output.ToString();
    }

    [Fact]
    public void Write_TextWithHealth_ShowsEachCheckedServersHealthAndMarksTheFallback()
    {
        string output = Render(json: false, Saved(Now.AddSeconds(-1)));

        Assert.Matches(@"State\s+Source\s+Health\n", output);
        Assert.Matches(@"-> 10\.1\.1\.2:8080\s+Masq\s+0 .*static file .* down 12s \(connection refused, 3 failed\)\n", output);
        Assert.Matches(@"-> 10\.1\.1\.3:8080 .*static file .* not checked yet\n", output);
        Assert.Matches(@"-> 10\.1\.1\.4:8080 .*static file /etc/ipvs-agent/services\.yaml \(web\)\n", output);
        Assert.Matches(@"-> 10\.1\.1\.9:8080 .* fallback \(serves while no other server does\)\n", output);
    }

    [Fact]
    public void Write_HealthColumn_StartsAtTheSameColumnOnEveryLine()
    {
        string output = Render(json: false, Saved(Now.AddSeconds(-1)));

        string[] lines = output.Split('\n');
        int header = lines.Single(line => line.StartsWith("  -> RemoteAddress", StringComparison.Ordinal)).IndexOf("Health", StringComparison.Ordinal);
        Assert.Equal(header, lines.Single(line => line.Contains("10.1.1.2:8080", StringComparison.Ordinal)).IndexOf("down", StringComparison.Ordinal));
        Assert.Equal(header, lines.Single(line => line.Contains("10.1.1.3:8080", StringComparison.Ordinal)).IndexOf("not checked", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_FileOlderThanThreeIntervals_SaysStale()
    {
        string output = Render(json: false, Saved(Now.AddSeconds(-16)));

        Assert.Matches(@"-> 10\.1\.1\.2:8080 .* stale \(saved 16s ago\)\n", output);
    }

    [Fact]
    public void Write_NothingChecked_KeepsTheColumnsOfIpvsadm()
    {
        using var output = new StringWriter();
        StatusCommand.Write(output, false, Kernel(), new DesiredState(1, new Dictionary<VirtualServiceKey, DesiredService>()), OwnershipRecord.Empty, [], null, null, Now);

        Assert.Contains("State      Source\n", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Health", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_JsonWithHealth_GivesAHealthObjectPerCheckedServerAndFlagsTheFallback()
    {
        using JsonDocument document = JsonDocument.Parse(Render(json: true, Saved(Now.AddSeconds(-1))));

        var servers = Assert.Single(document.RootElement.GetProperty("services").EnumerateArray()).GetProperty("servers").EnumerateArray()
            .ToDictionary(server => server.GetProperty("server").GetString()!);
        JsonElement down = servers["10.1.1.2:8080"].GetProperty("health");
        Assert.False(down.GetProperty("up").GetBoolean());
        Assert.Equal(Now.AddSeconds(-12), down.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(3, down.GetProperty("consecutiveFailures").GetInt32());
        Assert.False(down.GetProperty("last").GetProperty("passed").GetBoolean());
        Assert.Equal("connection refused", down.GetProperty("last").GetProperty("detail").GetString());
        Assert.Equal(1.5, down.GetProperty("last").GetProperty("durationMs").GetDouble());
        Assert.Equal(JsonValueKind.Null, servers["10.1.1.3:8080"].GetProperty("health").GetProperty("up").ValueKind);
        Assert.False(servers["10.1.1.4:8080"].TryGetProperty("health", out _));
        Assert.True(servers["10.1.1.9:8080"].GetProperty("fallback").GetBoolean());
    }
}
