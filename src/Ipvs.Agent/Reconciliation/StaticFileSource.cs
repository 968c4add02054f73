using Ipvs.Agent.Configuration;
using Ipvs.Agent.StaticServices;
using Ipvs.Engine;
using Serilog;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// The static services YAML file. Re-read when its size or modification time changes (polled, so editors that replace
/// the file are seen too) or on <see cref="Reload"/>. A file with errors changes nothing: the last good snapshot stands
/// and every error is logged with its line and field.
/// </summary>
internal sealed class StaticFileSource(string path, TimeProvider time, ILogger log, TimeSpan? pollInterval = null) : IDesiredSource
{
    private readonly FileChangePoller _poller = new(path, pollInterval ?? TimeSpan.FromSeconds(2), time);
    private SourceSnapshot? _current;

    public string Name => $"static file {path}";

    public SourceSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Reads the file now; true when a new good snapshot replaced the previous one.</summary>
    public bool Reload()
    {
        _poller.MarkSeen();
        if (!File.Exists(path))
        {
            log.Error("Static services file {Path} does not exist; keeping the last good state", path);
            return false;
        }

        StaticServicesResult result;
        try
        {
            result = StaticServicesFile.Load(path);
        }
        catch (IOException exception)
        {
            log.Error("Static services file {Path} could not be read: {Error}; keeping the last good state", path, exception.Message);
            return false;
        }

        if (!result.IsValid)
        {
            foreach (string error in result.Errors)
            {
                log.Error("Static services file rejected, nothing changed: {Error}", error);
            }

            return false;
        }

        Volatile.Write(ref _current, new SourceSnapshot(result.Declarations, []));
        log.Information("Static services file {Path} read: {Count} services", path, result.Declarations.Count);
        return true;
    }

    public async Task RunAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (Reload())
        {
            changed();
        }

        await _poller.RunAsync(
            () =>
            {
                if (Reload())
                {
                    changed();
                }
            },
            cancellationToken);
    }
}
