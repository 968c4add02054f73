using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Ipvs.Netlink.Tests.Kernel.Support;

/// <summary>
/// The output of <c>native/build/probe</c>: the kernel headers' constants and struct layouts,
/// printed by a C program compiled against them (see native/probe.c for the line format).
/// </summary>
internal sealed class NativeProbe
{
    public const string PathVariable = "IPVS_NATIVE_PROBE";
    private const string SolutionFile = "Ipvs.sln";
    private const string SizePrefix = "sizeof:";
    private const string OffsetPrefix = "offsetof:";

    private static readonly Lazy<NativeProbe> _output = new(() => Load(Locate()));

    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sizes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _offsets = new(StringComparer.Ordinal);

    private NativeProbe(string executable, string output)
    {
        Executable = executable;
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Parse(line);
        }
    }

    /// <summary>The probe's output; a missing or failing probe throws, so no test can pass without it.</summary>
    public static NativeProbe Output => _output.Value;

    public string Executable { get; }

    public IReadOnlyDictionary<string, string> Constants => _constants;

    public bool TryGetSize(string cStruct, out int size) => _sizes.TryGetValue(cStruct, out size);

    /// <summary>Field name to offset, for every field of <paramref name="cStruct"/> the probe printed.</summary>
    public IReadOnlyDictionary<string, int> OffsetsOf(string cStruct) =>
        _offsets.TryGetValue(cStruct, out Dictionary<string, int>? fields)
            ? fields
            : throw new InvalidOperationException($"{Executable} printed no offsetof lines for struct {cStruct}.");

    /// <summary>Runs the probe at <paramref name="executable"/> and parses what it prints.</summary>
    public static NativeProbe Load(string executable)
    {
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"native probe not built: run make -C native (looked for {executable}; set {PathVariable} to override).");
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start the native probe {executable}.");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException($"The native probe {executable} did not exit within 30 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The native probe {executable} exited with {process.ExitCode}: {errors.GetAwaiter().GetResult()}");
        }

        return new NativeProbe(executable, output);
    }

    private static string Locate()
    {
        string? overridden = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        // A build into an artifacts path outside the repository still knows where its sources were compiled.
        string sourceFile = SourceFilePath();
        string? root = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Path.GetDirectoryName(sourceFile)!);
        return root is null
            ? throw new InvalidOperationException(
                $"native probe not built: run make -C native (no {SolutionFile} above {AppContext.BaseDirectory} " +
                $"or {sourceFile}; set {PathVariable} to the probe's path).")
            : Path.Combine(root, "native", "build", "probe");
    }

    private static string SourceFilePath([CallerFilePath] string path = "") => path;

    private static string? FindRepositoryRoot(string start)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private void Parse(string line)
    {
        int equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new InvalidOperationException($"{Executable} printed a line without NAME=VALUE: '{line}'.");
        }

        string name = line[..equals];
        string value = line[(equals + 1)..];
        if (name.StartsWith(SizePrefix, StringComparison.Ordinal))
        {
            AddUnique(_sizes, name[SizePrefix.Length..], ParseLayoutNumber(line, value), line);
        }
        else if (name.StartsWith(OffsetPrefix, StringComparison.Ordinal))
        {
            string[] structAndField = name[OffsetPrefix.Length..].Split('.');
            if (structAndField.Length != 2)
            {
                throw new InvalidOperationException($"{Executable} printed an offsetof line without STRUCT.FIELD: '{line}'.");
            }

            if (!_offsets.TryGetValue(structAndField[0], out Dictionary<string, int>? fields))
            {
                fields = new Dictionary<string, int>(StringComparer.Ordinal);
                _offsets.Add(structAndField[0], fields);
            }

            AddUnique(fields, structAndField[1], ParseLayoutNumber(line, value), line);
        }
        else
        {
            AddUnique(_constants, name, value, line);
        }
    }

    private int ParseLayoutNumber(string line, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : throw new InvalidOperationException($"{Executable} printed a non-numeric layout value: '{line}'.");

    private void AddUnique<T>(Dictionary<string, T> table, string key, T value, string line)
    {
        if (!table.TryAdd(key, value))
        {
            throw new InvalidOperationException($"{Executable} printed '{key}' twice (second time: '{line}').");
        }
    }
}
