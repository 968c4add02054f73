using System.Diagnostics;
using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Ipvs.Integration.Tests.Agent.Support;

/// <summary>The published <c>ipvs-agent</c> run inside a lab network namespace: one-shot verbs, or the daemon as a child process.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary><c>IPVS_AGENT_EXE</c>, else the contract path <c>artifacts/ipvs-agent/ipvs-agent</c> of this checkout.</summary>
    public static string Executable
    {
        get
        {
            if (Environment.GetEnvironmentVariable("IPVS_AGENT_EXE") is { Length: > 0 } configured)
            {
                return configured;
            }

            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Ipvs.sln")))
                {
                    return Path.Combine(directory.FullName, "artifacts", "ipvs-agent", "ipvs-agent");
                }
            }

            throw new InvalidOperationException("Cannot find the repository root (Ipvs.sln) to locate artifacts/ipvs-agent/ipvs-agent; set IPVS_AGENT_EXE.");
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>Waits for the process to end by itself (or by a signal the test sent).</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
    }

    /// <summary>Runs a verb to completion inside <paramref name="netns"/>.</summary>
    public static async Task<BufferedCommandResult> RunOnceAsync(string netns, params string[] arguments) =>
        await Cli.Wrap("ip")
            .WithArguments(["netns", "exec", netns, Executable, .. arguments])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

    /// <summary>Starts <c>ipvs-agent run</c> inside <paramref name="netns"/>; <c>ip netns exec</c> execs it, so the pid is the agent's.</summary>
    public static AgentProcess Start(string netns, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", netns, Executable, "run", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException("ip netns exec did not start"));
    }

    /// <summary>Sends SIGTERM and waits for a clean exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        await Cli.Wrap("kill").WithArguments(["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync(TestContext.Current.CancellationToken);
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails with the agent's output when it never does.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout || _process.HasExited)
            {
                Assert.Fail($"{what}: not seen within {timeout.TotalSeconds:0} s (agent {(_process.HasExited ? $"exited {_process.ExitCode}" : "running")}). Agent output:\n{Output}");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
