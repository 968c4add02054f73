namespace Ipvs.Docker;

/// <summary>
/// Why a labelled container or swarm service (or one of its <c>&lt;svc&gt;</c> names) contributes nothing; the rest keep serving.
/// </summary>
/// <param name="Source">The culprit as an operator finds it: <c>container 'web1' (3f4e5a6b7c8d)</c>.</param>
/// <param name="Label">The offending label's name, or null when no single label is at fault.</param>
/// <param name="Message">The whole explanation, starting with <paramref name="Source"/>.</param>
public sealed record DiscoveryError(string Source, string? Label, string Message)
{
    public override string ToString() => Message;
}
