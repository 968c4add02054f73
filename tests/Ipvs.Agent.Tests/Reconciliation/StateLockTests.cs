using Ipvs.Agent.Reconciliation;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class StateLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-lock-").FullName;

    [Fact]
    public void Acquire_HeldByAnother_SaysSo()
    {
        using StateLock held = StateLock.Acquire(_directory);

        IOException error = Assert.Throws<IOException>(() => StateLock.Acquire(_directory));

        Assert.Contains("is held by another ipvs-agent", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Any other failure is the state directory's, never "held by another" (a read-only file system fails the same way, with EROFS).</summary>
    [Fact]
    public void Acquire_LockCannotBeOpened_NamesTheStateDirectoryNotAnotherAgent()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "lock"));

        IOException error = Assert.Throws<IOException>(() => StateLock.Acquire(_directory));

        Assert.DoesNotContain("held by another", error.Message, StringComparison.Ordinal);
        Assert.Contains("the state directory is not writable by this process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_StateDirectoryUnderAFile_NamesTheStateDirectory()
    {
        string file = Path.Combine(_directory, "file");
        File.WriteAllText(file, string.Empty);

        IOException error = Assert.Throws<IOException>(() => StateLock.Acquire(Path.Combine(file, "state")));

        Assert.Contains("the state directory is not writable by this process", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
