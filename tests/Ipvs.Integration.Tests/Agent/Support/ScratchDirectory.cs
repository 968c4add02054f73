namespace Ipvs.Integration.Tests.Agent.Support;

/// <summary>A test's own temporary directory for the agent's files (services YAML, state dir), deleted with the test.</summary>
internal sealed class ScratchDirectory(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The agent's --state-dir inside this directory.</summary>
    public string StateDir => System.IO.Path.Combine(Path, "state");

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> here and returns its full path.</summary>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
