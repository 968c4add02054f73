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
        Directory.CreateDirectory(stateDirectory);
        string path = Path.Combine(stateDirectory, "lock");
        try
        {
            return new StateLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException exception)
        {
            throw new IOException($"{path} is held by another ipvs-agent (the daemon or an apply): {exception.Message}", exception);
        }
    }

    public void Dispose() => _stream.Dispose();
}
