using System.ComponentModel;
using System.Text.Json;
using Ipvs.Agent.Health;
using Ipvs.Agent.Process;
using Ipvs.Agent.Tests.Support;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Commands;

public sealed class AgentCliTests : IDisposable
{
    private const string WebService = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            servers:
              - address: 10.1.1.2:8080
              - address: 10.1.1.3:8080
                weight: 2
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-cli-").FullName;
    private readonly CliRunner _cli = new();

    private string StateDir => Path.Combine(_directory, "state");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private Task<(int ExitCode, string Out, string Error)> Run(params string[] args) =>
        _cli.RunAsync([.. args, "--state-dir", StateDir, "--allowed-vip-cidr", "10.99.0.0/24", "--no-docker"]);

    [Theory]
    [InlineData("run", "--cleanup")]
    [InlineData("status", "--output")]
    [InlineData("plan", "--file")]
    [InlineData("plan", "--detailed-exitcode")]
    [InlineData("apply", "--file")]
    [InlineData("verify", "--services")]
    [InlineData("drain", "--cancel")]
    public async Task Help_EveryVerb_ExitsZeroAndListsItsFlags(string verb, string flag)
    {
        (int exitCode, string output, _) = await _cli.RunAsync(verb, "--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains(flag, output, StringComparison.Ordinal);
        Assert.Contains("--state-dir", output, StringComparison.Ordinal);
        Assert.Contains("--allowed-vip-cidr", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Root_ListsEveryVerbAndTheExitCodes()
    {
        (int exitCode, string output, _) = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.All(["run", "status", "plan", "apply", "verify", "drain"], verb => Assert.Contains($"  {verb}", output, StringComparison.Ordinal));
        Assert.Contains("2 usage or config error", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_Flag_PrintsTheVersion()
    {
        (int exitCode, string output, _) = await _cli.RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task Parse_UnknownFlag_ExitsTwoNamingIt()
    {
        (int exitCode, _, string error) = await _cli.RunAsync("status", "--frobnicate");

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("--frobnicate", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadConfigValue_ExitsTwoNamingTheKey()
    {
        string config = Write("config.yaml", "drainTimeout: forever\n");

        (int exitCode, _, string error) = await _cli.RunAsync("status", "--config", config);

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("config.yaml:1: drainTimeout: \"forever\" is not a duration like 10s or 1m", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_NewService_PrintsTheAddsAndChangesNothing()
    {
        string services = Write("services.yaml", WebService);

        (int exitCode, string output, _) = await Run("plan", "--file", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("Plan: 3 changes (3 to add, 0 to change, 0 to remove)", output, StringComparison.Ordinal);
        Assert.Contains("+ service TCP 10.99.0.10:80: new service", output, StringComparison.Ordinal);
        Assert.Contains("+ TCP 10.99.0.10:80 real server 10.1.1.3:8080: new real server", output, StringComparison.Ordinal);
        Assert.Empty(_cli.Kernel.Applied);
    }

    [Fact]
    public async Task Plan_DetailedExitCodeWithChanges_ExitsOne()
    {
        string services = Write("services.yaml", WebService);

        (int exitCode, _, _) = await Run("plan", "--file", services, "--detailed-exitcode");

        Assert.Equal(ExitCodes.Differences, exitCode);
    }

    [Fact]
    public async Task Plan_JsonOutput_ParsesWithEveryChange()
    {
        string services = Write("services.yaml", WebService);

        (int exitCode, string output, _) = await Run("plan", "--file", services, "--output", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement[] changes = [.. document.RootElement.GetProperty("changes").EnumerateArray()];
        Assert.Equal(3, changes.Length);
        Assert.Equal("AddService", changes[0].GetProperty("kind").GetString());
        Assert.Equal("TCP 10.99.0.10:80", changes[0].GetProperty("service").GetString());
    }

    [Fact]
    public async Task Apply_ThenPlan_AppliesOnceAndJournalsOwnership()
    {
        string services = Write("services.yaml", WebService);

        (int applied, string output, _) = await Run("apply", "--file", services);
        (int planned, string again, _) = await Run("plan", "--file", services, "--detailed-exitcode");

        Assert.Equal(ExitCodes.Ok, applied);
        Assert.Contains("Applied: 3 changes", output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, planned);
        Assert.Contains("No changes", again, StringComparison.Ordinal);
        Assert.Contains("TCP 10.99.0.10:80", File.ReadAllText(Path.Combine(StateDir, "ownership.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_EveryServiceRefused_ExitsTwoNamingTheFlagAndNeverSaysTheKernelMatches()
    {
        string services = Write("services.yaml", WebService.Replace("10.99.0.10", "10.98.0.10", StringComparison.Ordinal));

        (int exitCode, string output, _) = await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("! TCP 10.98.0.10:80: VIP 10.98.0.10 is outside the owned VIP blocks 10.99.0.0/24", output, StringComparison.Ordinal);
        Assert.Contains("`--allowed-vip-cidr 10.98.0.10/32`", output, StringComparison.Ordinal);
        Assert.Contains("1 desired service was refused", output, StringComparison.Ordinal);
        Assert.DoesNotContain("matches", output.Replace("does not match", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(_cli.Kernel.Applied);
    }

    [Fact]
    public async Task Apply_OneOfTwoServicesRefused_AppliesTheOtherAndExitsTwo()
    {
        string services = Write("services.yaml", WebService + """

              - name: other
                vip: 10.98.0.11
                port: 80
            """);

        (int exitCode, string output, _) = await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("Applied: 3 changes", output, StringComparison.Ordinal);
        Assert.Contains("1 desired service was refused (marked ! above): the kernel does not match the desired state.", output, StringComparison.Ordinal);
        Assert.True(_cli.Kernel.ReadTable().TryGetService(Service("10.99.0.10").Key, out _));
    }

    [Fact]
    public async Task Plan_DesiredServiceHeldByAForeignEntry_ExitsTwoNamingTheConflict()
    {
        string services = Write("services.yaml", WebService);
        _cli.Kernel.AddService(Service("10.99.0.10"), Server("10.1.1.9"));

        (int exitCode, string output, _) = await Run("plan", "--file", services, "--output", "json");

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.Equal(1, document.RootElement.GetProperty("refused").GetInt32());
        Assert.Equal("ForeignCollision", Assert.Single(document.RootElement.GetProperty("issues").EnumerateArray()).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Apply_BadServicesFile_ExitsTwoNamingTheFieldAndChangesNothing()
    {
        string services = Write("services.yaml", WebService.Replace("port: 80", "port: eighty", StringComparison.Ordinal));

        (int exitCode, _, string error) = await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("port", error, StringComparison.Ordinal);
        Assert.Contains("eighty", error, StringComparison.Ordinal);
        Assert.Empty(_cli.Kernel.Applied);
    }

    [Fact]
    public async Task Status_OwnedAndForeign_MarksEachWithOwnerAndSource()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        _cli.Kernel.AddService(Service("10.99.0.50"), Server("10.1.1.9"));

        (int exitCode, string output, _) = await Run("status", "--services", services, "--output", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using JsonDocument document = JsonDocument.Parse(output);
        var owners = document.RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(service => service.GetProperty("service").GetString()!, service => (Owner: service.GetProperty("owner").GetString(), Source: service.GetProperty("source").GetString()));
        Assert.Equal("owned", owners["TCP 10.99.0.10:80"].Owner);
        Assert.Contains("static file", owners["TCP 10.99.0.10:80"].Source, StringComparison.Ordinal);
        Assert.Equal("foreign", owners["TCP 10.99.0.50:80"].Owner);
    }

    [Fact]
    public async Task Status_TextOutput_ShowsIpvsadmColumns()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);

        (int exitCode, string output, _) = await Run("status", "--services", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("Prot LocalAddress:Port Scheduler Flags", output, StringComparison.Ordinal);
        Assert.Contains("-> RemoteAddress:Port", output, StringComparison.Ordinal);
        Assert.Matches(@"-> 10\.1\.1\.3:8080\s+Masq\s+2\s+0\s+0\s+serving", output);
    }

    [Fact]
    public async Task Status_KernelHasAnUnreadableEntry_WarnsNamingItAndListsTheRest()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        _cli.Kernel.Unreadable.Add("Service TCP 192.0.2.80:80: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).");

        (int exitCode, string output, string error) = await Run("status", "--services", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("TCP 192.0.2.80:80", error, StringComparison.Ordinal);
        Assert.Contains("left alone", error, StringComparison.Ordinal);
        Assert.Matches(@"-> 10\.1\.1\.3:8080\s+Masq\s+2\s+0\s+0\s+serving", output);
    }

    [Fact]
    public async Task Status_HealthSavedByTheDaemon_ShowsItInTheHealthColumnAndJson()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        HealthStateFile.Save(HealthStateFile.PathIn(StateDir),
            [(new HealthTarget(Tcp("10.99.0.10"), Server("10.1.1.2").Key), HealthCheck.Of(HealthCheckKind.Tcp) with { Interval = TimeSpan.FromMinutes(10) },
                new ServerHealth(true, now.AddMinutes(-3).AddSeconds(-5), 2, 0, new CheckResult(true, "connected", TimeSpan.FromMilliseconds(2), now)))],
            now);

        (int exitCode, string output, _) = await Run("status", "--services", services);
        (_, string json, _) = await Run("status", "--services", services, "--output", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Matches(@"-> 10\.1\.1\.2:8080 .* up 3m \(connected\)", output);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement server = document.RootElement.GetProperty("services")[0].GetProperty("servers").EnumerateArray().Single(entry => entry.GetProperty("server").GetString() == "10.1.1.2:8080");
        Assert.True(server.GetProperty("health").GetProperty("up").GetBoolean());
    }

    [Fact]
    public async Task Verify_HealthFileUnreadable_WarnsNamingItAndStillVerifies()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        File.WriteAllText(HealthStateFile.PathIn(StateDir), "not json");
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int exitCode, string output, string error) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Contains($"{HealthStateFile.PathIn(StateDir)}:1: not valid JSON", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A name the services file accepts but DNS cannot carry (a dot inside one label). Two VIPs under one name, the other
    /// name problem, cannot come from one file (its parser refuses them); the Docker lab step shows that one.
    /// </summary>
    private const string NameNotADnsLabel = """
        services:
          - { name: web, vip: 10.99.0.10, port: 80 }
          - { name: "web.site", vip: 10.99.0.11, port: 80 }
        """;

    private const string NameProblem = "service name 'web.site' of TCP 10.99.0.11:80";

    [Fact]
    public async Task Plan_DnsOnAndANameThatIsNoDnsLabel_WarnsNamingIt()
    {
        string services = Write("services.yaml", NameNotADnsLabel);

        (int exitCode, string output, string error) = await Run("plan", "--file", services, "--dns-address", "127.0.0.1:53");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("TCP 10.99.0.11:80", output, StringComparison.Ordinal);
        Assert.Contains($"warning: {NameProblem}", error, StringComparison.Ordinal);
        Assert.Contains("cannot be a DNS name under ipvs.internal", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_DnsOffAndANameThatIsNoDnsLabel_NoNameWarning()
    {
        string services = Write("services.yaml", NameNotADnsLabel);

        (int exitCode, _, string error) = await Run("plan", "--file", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.DoesNotContain("service name", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_DnsOnAndANameThatIsNoDnsLabel_WarnsAndStillShowsTheTable()
    {
        string services = Write("services.yaml", NameNotADnsLabel);
        await Run("apply", "--file", services);

        (int exitCode, string output, string error) = await Run("status", "--services", services, "--dns-address", "127.0.0.1:53");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains($"ipvs-agent: warning: {NameProblem}", error, StringComparison.Ordinal);
        Assert.Matches(@"TCP\s+10\.99\.0\.11:80", output);
    }

    [Fact]
    public async Task Verify_DnsOnAndANameThatIsNoDnsLabel_ADifferenceNamingIt()
    {
        string services = Write("services.yaml", NameNotADnsLabel);
        await Run("apply", "--file", services);
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int withDns, string output, _) = await Run("verify", "--services", services, "--dns-address", "127.0.0.1:53");
        (int withoutDns, _, _) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Differences, withDns);
        Assert.Contains(NameProblem, output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, withoutDns);
    }

    [Fact]
    public async Task Verify_KernelMatches_ExitsZero()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int exitCode, string output, _) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OwnedServerMissingAndForeignPresent_ExitsOneNamingOnlyTheOwnedDifference()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        _cli.Kernel.AddService(Service("10.99.0.50"), Server("10.1.1.9"));
        _cli.Kernel.Apply([new Core.Planning.IpvsOperation(Core.Planning.IpvsOperationKind.DeleteServer, Service("10.99.0.10"), Server("10.1.1.2"), null, "test")]);
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int exitCode, string output, _) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Differences, exitCode);
        Assert.Contains("TCP 10.99.0.10:80: real server 10.1.1.2:8080 is missing from the kernel", output, StringComparison.Ordinal);
        Assert.DoesNotContain("10.99.0.50", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DesiredServiceRefused_ExitsTwoNamingTheRefusal()
    {
        string services = Write("services.yaml", WebService.Replace("10.99.0.10", "10.98.0.10", StringComparison.Ordinal));
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int exitCode, string output, _) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.DoesNotContain("OK", output, StringComparison.Ordinal);
        Assert.Contains("TCP 10.98.0.10:80: not served by the agent: refused: TCP 10.98.0.10:80: VIP 10.98.0.10 is outside the owned VIP blocks", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DesiredServiceHeldByAForeignEntry_ExitsOneNamingTheConflict()
    {
        string services = Write("services.yaml", WebService);
        _cli.Kernel.AddService(Service("10.99.0.10"), Server("10.1.1.2"), Server("10.1.1.3", weight: 2));
        _cli.IpvsadmSave = _ => Task.FromResult(_cli.Kernel.ReadTable());

        (int exitCode, string output, _) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Differences, exitCode);
        Assert.Contains("TCP 10.99.0.10:80: not served by the agent: conflict: the kernel holds an entry with this key that the agent did not create", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_IpvsadmMissing_SaysSoAndExitsThree()
    {
        string services = Write("services.yaml", WebService);
        _cli.IpvsadmSave = _ => Task.FromException<KernelTable>(new Win32Exception(2, "No such file or directory"));

        (int exitCode, _, string error) = await Run("verify", "--services", services);

        Assert.Equal(ExitCodes.Runtime, exitCode);
        Assert.Contains("ipvsadm was not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_Server_IsRecordedAndTheNextApplySetsWeightZero()
    {
        string services = Write("services.yaml", WebService);
        await Run("apply", "--file", services);
        _cli.Kernel.SetConnections(Tcp("10.99.0.10"), Server("10.1.1.2").Key, active: 3);

        (int drained, string output, _) = await Run("drain", "10.1.1.2:8080");
        await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.Ok, drained);
        Assert.Contains("Drain of real server 10.1.1.2:8080 in every service recorded", output, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Kernel.Find(Tcp("10.99.0.10"))!.RealServers[Server("10.1.1.2").Key].Server.Weight);
    }

    [Fact]
    public async Task Drain_NotAServiceOrServer_ExitsTwo()
    {
        (int exitCode, _, string error) = await Run("drain", "web");

        Assert.Equal(ExitCodes.UsageOrConfig, exitCode);
        Assert.Contains("'web' is neither a service", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_KernelUnavailable_ExitsThree()
    {
        string services = Write("services.yaml", WebService);
        _cli.Kernel.ReadFailure = new InvalidOperationException("IPVS dump failed");

        (int exitCode, _, string error) = await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.Runtime, exitCode);
        Assert.Contains("IPVS dump failed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_LargeFile_PrintsAndLogsASummaryWithExamplesNotEveryChange()
    {
        string services = Write("services.yaml", LargeFile(20, 10));

        (int exitCode, string output, string error) = await Run("apply", "--file", services);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(220, _cli.Kernel.Applied.Count);
        Assert.Contains("Applied: 220 changes (220 to add, 0 to change, 0 to remove)", output, StringComparison.Ordinal);
        Assert.Contains("by kind: 20 services added, 200 real servers added", output, StringComparison.Ordinal);
        Assert.Contains("touched: 20 services (TCP 10.99.0.1:80, TCP 10.99.0.2:80, TCP 10.99.0.3:80 and 17 more)", output, StringComparison.Ordinal);
        Assert.Contains("e.g. + service TCP 10.99.0.1:80: new service", output, StringComparison.Ordinal);
        Assert.Contains("(220 changes in all: every one with --log-level debug or --output json)", output, StringComparison.Ordinal);
        Assert.InRange(output.Split('\n').Length, 5, 15);
        Assert.Contains("Applied 220 changes: 20 services added, 200 real servers added; by source: static file", error, StringComparison.Ordinal);
        Assert.InRange(error.Split('\n').Length, 2, 10);
    }

    [Fact]
    public async Task Plan_LargeFileAtDebugLevel_PrintsEveryChange()
    {
        string services = Write("services.yaml", LargeFile(20, 10));

        (int exitCode, string output, _) = await Run("plan", "--file", services, "--log-level", "debug");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.DoesNotContain("by kind:", output, StringComparison.Ordinal);
        Assert.Equal(220, output.Split('\n').Count(line => line.StartsWith("  + ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Plan_LargeFileJson_KeepsEveryChange()
    {
        string services = Write("services.yaml", LargeFile(20, 10));

        (int exitCode, string output, _) = await Run("plan", "--file", services, "--output", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.Equal(220, document.RootElement.GetProperty("changes").GetArrayLength());
    }

    /// <summary>A services file of <paramref name="count"/> services 10.99.0.1.. with <paramref name="servers"/> real servers each.</summary>
    private static string LargeFile(int count, int servers) =>
        "services:\n" + string.Concat(Enumerable.Range(1, count).Select(i =>
            $"  - name: s{i}\n    vip: 10.99.0.{i}\n    port: 80\n    servers:\n"
            + string.Concat(Enumerable.Range(2, servers).Select(j => $"      - address: 10.1.1.{j}:8080\n"))));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
