using System.Diagnostics;
using System.Globalization;

namespace Ipvs.Integration.Tests.Docker.Support;

/// <summary>
/// The lab's dockerd as a process: killed with SIGKILL, then started again with exactly the argv, environment and log
/// file the lab gave it (read from /proc, so the test follows vagrant/lab/guest-init without copying its command line).
/// </summary>
internal sealed class LabDockerd
{
    private const string PidFile = "/run/lab/dockerd.pid";

    private readonly string[] _argv;
    private readonly string[] _environment;
    private readonly string _log;

    private LabDockerd(string[] argv, string[] environment, string log)
    {
        _argv = argv;
        _environment = environment;
        _log = log;
    }

    public static LabDockerd Running()
    {
        int pid = int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);
        string[] argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        string[] environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        string log = new FileInfo($"/proc/{pid}/fd/1").LinkTarget ?? throw new InvalidOperationException($"dockerd {pid} has no stdout file");
        return new LabDockerd(argv, environment, log) { Pid = pid };
    }

    public int Pid { get; private set; }

    /// <summary>SIGKILL, as a crash would; containerd and the containers' shims live on.</summary>
    public async Task KillAsync()
    {
        using (Process process = Process.GetProcessById(Pid))
        {
            process.Kill();
        }

        var clock = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{Pid}"))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"dockerd {Pid} still there 30 s after SIGKILL");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Starts dockerd again as the lab did, its output appended to the lab's dockerd log.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (string argument in (string[])["-c", "exec \"$@\" >>\"$0\" 2>&1 </dev/null", _log, .. _argv])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (string variable in _environment)
        {
            int equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                start.Environment[variable[..equals]] = variable[(equals + 1)..];
            }
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dockerd did not start");
        Pid = process.Id;
    }
}
