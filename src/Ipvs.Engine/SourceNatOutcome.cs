namespace Ipvs.Engine;

/// <summary>What a source NAT sync changed, a line each, and what stays wrong without being a failure (a warning), if anything.</summary>
internal sealed record SourceNatOutcome(IReadOnlyList<string> Changes, string? Warning = null)
{
    public static readonly SourceNatOutcome Nothing = new([]);
}
