namespace Ipvs.Core.Health;

/// <summary>What happens to a real server whose check has failed <see cref="HealthCheck.Fall"/> times in a row.</summary>
public enum HealthFailureAction
{
    /// <summary>Weight 0: its connections finish, new ones go elsewhere; it keeps its place in the kernel table.</summary>
    Weight0,
    /// <summary>Deleted from the kernel at once, without a drain (see <see cref="Desired.DesiredService.RemovedAtOnce"/>), until it is up again.</summary>
    Remove,
}
