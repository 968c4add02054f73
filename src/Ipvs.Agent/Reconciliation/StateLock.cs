using Ipvs.Agent.Native;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// An exclusive lock on the state directory, so the daemon and a one-shot <c>apply</c> never write the journal at the
/// same time. Held for the life of the object; the kernel releases it if the process dies.
/// </summary>
internal sealed class StateLock : IDisposable
{
    private readonly FileStream _stream;

    private StateLock(FileStream stream) => _stream = stream;

    public static StateLock Acquire(string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, "lock");
        try
        {
            Directory.CreateDirectory(stateDirectory);
            return new StateLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException exception) when (exception.HResult == Interop.EWOULDBLOCK)
        {
            // .NET takes FileShare.None as flock(LOCK_EX | LOCK_NB): EWOULDBLOCK, and only it, means another holder.
            throw new IOException($"{path} is held by another ipvs-agent (the daemon or an apply): {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A read-only or full file system, a missing permission: the state directory itself is the problem.
            throw new IOException($"{path}: the state directory is not writable by this process ({exception.Message}); the agent needs it to journal what it owns", exception);
        }
    }

    public void Dispose() => _stream.Dispose();
}
