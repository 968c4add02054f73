using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;

namespace Ipvs.Integration.Tests.Readme;

/// <summary>
/// The README's own examples, run as written in the lab kernel: the configuration and services files it shows are
/// written where it says, then its commands run as root, then its daemon command starts, repairs a change made behind
/// its back and stops cleanly. So the documentation cannot drift from the product unnoticed.
/// </summary>
public sealed class ReadmeExamplesLabTests : IDisposable
{
    /// <summary>Generous for a loaded host: each agent start costs 1-4 s in the lab, the daemon's first pass a few more.</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private readonly ScratchDirectory _scratch = new("ipvs-readme-");

    [Fact]
    public void Readme_EveryShellAndYamlBlock_SaysHowItIsTested()
    {
        IReadOnlyList<ReadmeExample> examples = ReadmeExamples.Load();

        Assert.NotEmpty(examples);
        Assert.All(examples, example => Assert.True(
            ReadmeExamples.Kinds.Contains(example.Kind) && (example.Kind is "run" or "daemon" or "docker" or "host" || example.Argument.Length > 0),
            $"{example}: every ```{example.Language} block needs an annotation above it: <!-- example: file PATH | run | daemon | docker | host | skip: REASON -->"));
    }

    [Fact]
    public async Task Readme_FilesCommandsAndDaemon_RunAsWritten()
    {
        IReadOnlyList<ReadmeExample> examples = ReadmeExamples.Load();
        var script = new ReadmeScript(_scratch.Path);
        foreach (ReadmeExample file in examples.Where(example => example.Kind == "file"))
        {
            script.WriteFile(file);
        }

        ReadmeExample[] commands = [.. examples.Where(example => example.Kind == "run")];
        ReadmeExample[] daemons = [.. examples.Where(example => example.Kind == "daemon")];
        Assert.NotEmpty(commands);
        ReadmeExample daemon = Assert.Single(daemons);
        foreach (ReadmeExample command in commands)
        {
            script.Run(command);
        }

        // The daemon must repair what someone changed behind its back: one of the services' real servers is deleted first.
        script.Append("""
            echo "== the test: delete one real server by hand, then start the README's daemon"
            server=$(ipvsadm -Sn | awk '$1 == "-a" { print $3, $5; exit }')
            ipvsadm -d -t ${server% *} -r ${server#* }
            if ipvs-agent verify >/dev/null 2>&1; then echo "readme-examples: verify did not see the deleted real server" >&2; exit 1; fi
            """);
        script.Start(daemon);
        script.Append("""
            eventually 120 grep -q 'ipvs-agent running' daemon.log || { cat daemon.log >&2; exit 1; }
            eventually 120 ipvs-agent verify || { cat daemon.log >&2; exit 1; }
            echo "== the test: the daemon repaired the table; stopping it"
            kill -TERM "$daemon"
            rc=0; wait "$daemon" || rc=$?
            cat daemon.log
            echo "daemon exit status $rc"
            exit "$rc"
            """);

        BufferedCommandResult result = await script.RunAsync(ScriptTimeout);

        Assert.True(result.ExitCode == 0,
            $"the README's examples failed (exit {result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}\n--- script ---\n{script}");
        Assert.Contains("OK: the kernel matches the desired state", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("daemon exit status 0", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Dispose();
}
