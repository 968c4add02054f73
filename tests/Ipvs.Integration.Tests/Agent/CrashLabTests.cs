using System.Globalization;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Support;

namespace Ipvs.Integration.Tests.Agent;

/// <summary>
/// A crash or a full disk at any point of an apply loses nothing (issue 17, finding 1): the agent journals the
/// services it is about to create before the kernel is asked, so a restart owns what the killed run created and
/// converges to exactly the desired table, with the foreign entries byte-identical. Kill points are made exact with
/// strace's fault injection (SIGKILL on entry to the n-th call of a syscall) instead of timers.
/// </summary>
public sealed class CrashLabTests(ITestOutputHelper output) : IDisposable
{
    private const int Services = 2000;

    private const int ServersEach = 10;

    private readonly ScratchDirectory _scratch = new("ipvs-agent-crash-");

    /// <summary>
    /// Each point kills a fresh 2k x 10 apply on entry to the n-th call of a syscall on the thread that runs the pass,
    /// and says how many services the kernel then holds (the 2 foreign ones included): five points, each a different
    /// state of kernel and journal (each costs two 2k x 10 applies, about 100 s in the lab). Measured there (strace):
    /// sendto 1-5 read the kernel (the family, the info, the service dump, a destination dump per foreign service),
    /// rename 1 journals the intent, rename 2 records that no source NAT rule of the agent exists (a fresh state dir's
    /// first check: <c>source-nat-absent</c>), sendto 6-15 put the VIPs up (rtnetlink; the addresses in two batches),
    /// sendto 16 creates the 2000 services in one datagram, 17-19 add the real servers, rename 3 journals the outcome.
    /// A point the apply no longer reaches, or reaches elsewhere, fails the test.
    /// </summary>
    public static TheoryData<string, string, int, int> KillPoints => new()
    {
        { "before the intent is journaled", "rename", 1, 2 },
        { "at the creation batch", "sendto", 16, 2 },
        { "after the creations, before any real server", "sendto", 17, 2002 },
        { "after the first real-server batch", "sendto", 18, 2002 },
        { "between the kernel's answers and the journal write", "rename", 3, 2002 },
    };

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task Apply_KilledAtAPoint_NextApplyConvergesExactlyAndOwnsEverything(string point, string syscall, int call, int servicesAtKill)
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-crash");
        string foreign = await AddForeignEntries(lab);
        string services = _scratch.Write("services.yaml", ServicesYaml(Services, ServersEach));
        string journal = Path.Combine(_scratch.StateDir, "ownership.json");

        BufferedCommandResult killed = await Cli.Wrap("ip")
            .WithArguments(["netns", "exec", lab.Name, "strace", "-f", "-qq", "-o", "/dev/null", "-e", $"trace={syscall}",
                "-e", $"inject={syscall}:signal=KILL:when={call}", AgentProcess.Executable, .. Common("apply", "--file", services)])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        SortedSet<string> atKill = Lines(await lab.RunAsync("ipvsadm", "-Sn"));
        string journalAtKill = File.Exists(journal) ? await File.ReadAllTextAsync(journal, TestContext.Current.CancellationToken) : string.Empty;

        BufferedCommandResult restarted = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
        string after = await lab.RunAsync("ipvsadm", "-Sn");
        string journalAfter = await File.ReadAllTextAsync(journal, TestContext.Current.CancellationToken);

        string figures = $"crash {point}: killed run exited {killed.ExitCode}; at the kill the kernel had {atKill.Count(line => line.StartsWith("-A", StringComparison.Ordinal))} services "
            + $"and {atKill.Count(line => line.StartsWith("-a", StringComparison.Ordinal))} real servers (foreign included), the journal {ListLength(journalAtKill, "pending")} pending and "
            + $"{OwnedCount(journalAtKill)} owned; the next apply exited {restarted.ExitCode}";
        output.WriteLine(figures);
        Console.Error.WriteLine(figures);
        Assert.True(killed.ExitCode == 137, $"{point}: the apply was not killed there (exit {killed.ExitCode}): {syscall} call {call} no longer comes in its run");
        Assert.True(atKill.Count(line => line.StartsWith("-A", StringComparison.Ordinal)) == servicesAtKill, $"{point}: {syscall} call {call} is no longer that point: {figures}");
        Assert.True(restarted.ExitCode == 0, $"{point}: the apply after the kill failed:\n{restarted.StandardOutput}{restarted.StandardError}");
        Assert.Equal(ExpectedLines(foreign), Lines(after));
        Assert.Equal(Services, OwnedCount(journalAfter));
        Assert.Equal(0, ListLength(journalAfter, "pending"));
        Assert.Equal(Services, ListLength(journalAfter, "configurations"));
        Assert.DoesNotContain("not created by this agent", restarted.StandardOutput + restarted.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_StateDirFull_ChangesNothingThenConvergesOnceThereIsRoom()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("agent-fulldisk");
        string foreign = await AddForeignEntries(lab);
        string services = _scratch.Write("services.yaml", ServicesYaml(20, 2));
        Directory.CreateDirectory(_scratch.StateDir);
        await Shell.RunAsync("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", _scratch.StateDir);
        try
        {
            await Shell.RunAsync("sh", "-c", $"dd if=/dev/zero of={_scratch.StateDir}/fill bs=1k count=128 2>/dev/null || true");

            BufferedCommandResult full = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
            string whileFull = await lab.RunAsync("ipvsadm", "-Sn");
            string vipsWhileFull = await lab.RunAsync("ip", "-o", "addr", "show");
            File.Delete(Path.Combine(_scratch.StateDir, "fill"));
            BufferedCommandResult roomy = await AgentProcess.RunOnceAsync(lab.Name, Common("apply", "--file", services));
            string after = await lab.RunAsync("ipvsadm", "-Sn");

            string figures = $"crash full state dir: apply exited {full.ExitCode}: {FirstLine(full.StandardOutput + full.StandardError)}; after freeing it: exited {roomy.ExitCode}";
            output.WriteLine(figures);
            Console.Error.WriteLine(figures);
            Assert.Equal(3, full.ExitCode);
            Assert.Contains("No space left on device", full.StandardOutput + full.StandardError, StringComparison.Ordinal);
            Assert.Equal(Lines(foreign), Lines(whileFull));
            Assert.DoesNotContain("10.99.", vipsWhileFull, StringComparison.Ordinal);
            Assert.True(roomy.ExitCode == 0, roomy.StandardOutput + roomy.StandardError);
            Assert.Equal(ExpectedLines(foreign, services: 20, serversEach: 2), Lines(after));
            Assert.Equal(20, OwnedCount(await File.ReadAllTextAsync(Path.Combine(_scratch.StateDir, "ownership.json"), TestContext.Current.CancellationToken)));
        }
        finally
        {
            await Shell.RunAsync("umount", "-l", _scratch.StateDir);
        }
    }

    private string[] Common(params string[] arguments) =>
        [.. arguments, "--state-dir", _scratch.StateDir, "--allowed-vip-cidr", "10.99.0.0/16", "--no-docker", "--config", _scratch.Write("config.yaml", "logLevel: warning\n")];

    /// <summary>Entries an operator made, one inside the agent's VIP block: they must come through byte-identical.</summary>
    private static async Task<string> AddForeignEntries(LabNamespace lab)
    {
        await lab.RunAsync("ipvsadm", "-A", "-t", "10.99.200.1:80", "-s", "wrr", "-p", "300");
        await lab.RunAsync("ipvsadm", "-a", "-t", "10.99.200.1:80", "-r", "10.1.200.50:80", "-m", "-w", "7");
        await lab.RunAsync("ipvsadm", "-A", "-u", "192.0.2.53:53", "-s", "lc");
        return await lab.RunAsync("ipvsadm", "-Sn");
    }

    private static string Vip(int index) => $"10.99.{index / 250}.{index % 250 + 1}";

    private static string Backend(int index, int server) => $"10.{2 + server}.{index / 250}.{index % 250 + 1}";

    private static string ServicesYaml(int services, int serversEach)
    {
        var yaml = new StringBuilder("services:\n");
        for (int index = 0; index < services; index++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: s{index}\n    vip: {Vip(index)}\n    port: 80\n    scheduler: rr\n    servers:\n");
            for (int server = 0; server < serversEach; server++)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      - address: {Backend(index, server)}:8080\n");
            }
        }

        return yaml.ToString();
    }

    private static SortedSet<string> ExpectedLines(string foreign, int services = Services, int serversEach = ServersEach)
    {
        SortedSet<string> lines = Lines(foreign);
        for (int index = 0; index < services; index++)
        {
            lines.Add($"-A -t {Vip(index)}:80 -s rr");
            for (int server = 0; server < serversEach; server++)
            {
                lines.Add($"-a -t {Vip(index)}:80 -r {Backend(index, server)}:8080 -m -w 1");
            }
        }

        return lines;
    }

    private static SortedSet<string> Lines(string save) => new(save.Split('\n', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    /// <summary>Owned services in a journal: the quoted keys of its <c>services</c> list.</summary>
    private static int OwnedCount(string journal)
    {
        int start = journal.IndexOf("\"services\": [", StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }

        int end = journal.IndexOf(']', start);
        return Count(journal[start..end], "\"TCP ");
    }

    /// <summary>Entries in one of the journal's lists; 0 without a journal or the list.</summary>
    private static int ListLength(string journal, string list)
    {
        if (journal.Length == 0)
        {
            return 0;
        }

        using var document = System.Text.Json.JsonDocument.Parse(journal);
        return document.RootElement.TryGetProperty(list, out System.Text.Json.JsonElement entries) ? entries.GetArrayLength() : 0;
    }

    private static int Count(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;

    public void Dispose() => _scratch.Dispose();
}
