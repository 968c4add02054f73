using Ipvs.Core.Health;
using Serilog;

namespace Ipvs.Agent.Health;

/// <summary>
/// Saves the daemon's health checks to <c>health.json</c> after they change, at most once per
/// <see cref="MinimumGap"/> (10k checks a second would otherwise mean 10k file writes), and once more on stop.
/// </summary>
internal sealed class HealthStateWriter(string path, Func<IReadOnlyList<(HealthTarget Target, HealthCheck Check, ServerHealth Health)>> snapshot, TimeProvider time, ILogger log)
{
    public static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(1);

    // Set at start: the first save replaces what a previous run left, which no longer describes this one.
    private int _changed = 1;
    private bool _failing;

    public string Path => path;

    /// <summary>Something changed (a check ended); the next save writes it.</summary>
    public void MarkChanged() => Volatile.Write(ref _changed, 1);

    /// <summary>Saves when something changed, every <see cref="MinimumGap"/>, until stopped; then saves once more.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(MinimumGap, time, cancellationToken);
                SaveIfChanged();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Save();
        }
    }

    /// <summary>Saves when something changed since the last save.</summary>
    public void SaveIfChanged()
    {
        if (Interlocked.Exchange(ref _changed, 0) == 1)
        {
            Save();
        }
    }

    /// <summary>Saves now. A failure is logged once until a save succeeds again: the file is for the operator's tools, the checks go on without it.</summary>
    public void Save()
    {
        try
        {
            HealthStateFile.Save(path, snapshot(), time.GetUtcNow());
            if (_failing)
            {
                log.Information("Health state saved to {Path} again", path);
                _failing = false;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (!_failing)
            {
                log.Warning("Health state not saved to {Path}: {Error}; status and verify will not see current health", path, exception.Message);
                _failing = true;
            }

            MarkChanged();
        }
    }
}
