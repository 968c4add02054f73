namespace Ipvs.Agent.Configuration;

/// <summary>
/// Notices when a file another process writes has changed: its size or modification time differs from the last
/// look. Polled rather than watched with inotify, so an editor that replaces the file, or a file that appears or goes
/// away, is seen too, and nothing depends on the file system's notifications.
/// </summary>
internal sealed class FileChangePoller
{
    private readonly string _path;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private (long Length, DateTime Modified)? _seen;

    /// <summary>Changes are counted from the file as it is now.</summary>
    public FileChangePoller(string path, TimeSpan interval, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _path = path;
        _interval = interval;
        _time = time;
        _seen = Look();
    }

    /// <summary>Takes the file as it is now as seen: a reader that has just read it calls this.</summary>
    public void MarkSeen() => _seen = Look();

    /// <summary>Looks every interval until cancelled, and calls <paramref name="changed"/> once per change it finds.</summary>
    public async Task RunAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        try
        {
            while (true)
            {
                await Task.Delay(_interval, _time, cancellationToken);
                var now = Look();
                if (now != _seen)
                {
                    _seen = now;
                    changed();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Size and modification time, or null while the file does not exist.</summary>
    private (long Length, DateTime Modified)? Look()
    {
        var info = new FileInfo(_path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
    }
}
