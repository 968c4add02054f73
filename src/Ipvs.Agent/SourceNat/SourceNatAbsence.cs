using Ipvs.Agent.Configuration;
using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Model;

namespace Ipvs.Agent.SourceNat;

/// <summary>
/// The families in which the agent's state directory knows its source NAT rules are absent (file
/// <see cref="FileName"/>, one family per line), so that a process after the one that found them absent trusts it too:
/// without it every one-shot <c>apply</c> ran six iptables tools (<c>-V</c> and a save of each backend, per family) to
/// remove rules that were never there, about a second in the lab. Write-ahead: a family leaves the file before any
/// rule is put in, so a crash in between leaves it unknown, and unknown is checked with iptables as before. A missing
/// or unreadable file is all unknown (an agent upgraded from a version without the file checks once).
/// </summary>
internal sealed class SourceNatAbsence(string? directory)
{
    public const string FileName = "source-nat-absent";

    private const long Limit = 1024;

    private string? Path => directory is null ? null : System.IO.Path.Combine(directory, FileName);

    /// <summary>The families recorded as holding none of the agent's rules; empty when unknown.</summary>
    public HashSet<IpFamily> Load()
    {
        var absent = new HashSet<IpFamily>();
        if (Path is not { } path || !File.Exists(path))
        {
            return absent;
        }

        try
        {
            foreach (string line in InputFile.ReadAllText(path, Limit).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (line == "ipv4")
                {
                    absent.Add(IpFamily.V4);
                }
                else if (line == "ipv6")
                {
                    absent.Add(IpFamily.V6);
                }
                else
                {
                    return []; // not written by the agent: trust none of it
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }

        return absent;
    }

    /// <summary>Records <paramref name="absent"/>, durably (<see cref="AtomicFile"/>): a write-ahead record.</summary>
    /// <exception cref="IOException">The state directory cannot be written; the message names the file.</exception>
    public void Save(IReadOnlySet<IpFamily> absent)
    {
        ArgumentNullException.ThrowIfNull(absent);
        if (Path is not { } path)
        {
            return;
        }

        try
        {
            AtomicFile.Write(path, (absent.Contains(IpFamily.V4) ? "ipv4\n" : string.Empty) + (absent.Contains(IpFamily.V6) ? "ipv6\n" : string.Empty));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: {exception.Message}", exception);
        }
    }
}
