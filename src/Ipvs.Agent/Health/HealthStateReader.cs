using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Engine;

namespace Ipvs.Agent.Health;

/// <summary>
/// The health the daemon last saved, as a health source for the one-shot verbs: <c>verify</c> then expects what the
/// daemon did (a down server at weight 0 or gone, a fallback in), not the declarations alone. It checks nothing.
/// </summary>
internal sealed class HealthStateReader(HealthState? state) : IServerHealthSource
{
    /// <summary>The saved state, or null when the daemon has saved none.</summary>
    public HealthState? State => state;

    /// <summary>Reads <c>health.json</c> in <paramref name="stateDirectory"/>; an unreadable file is told in <paramref name="problem"/> and read as none.</summary>
    public static HealthStateReader Open(string stateDirectory, out string? problem)
    {
        problem = null;
        try
        {
            return new HealthStateReader(HealthStateFile.Load(HealthStateFile.PathIn(stateDirectory)));
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            problem = $"the health state is not used, servers count as their checks' start state: {exception.Message}";
            return new HealthStateReader(null);
        }
    }

    /// <summary>Nothing to start: the daemon does the checking.</summary>
    public void Track(DesiredState desired)
    {
    }

    public ServerHealth? HealthOf(HealthTarget target) => state?.Targets.GetValueOrDefault(target)?.Health;
}
