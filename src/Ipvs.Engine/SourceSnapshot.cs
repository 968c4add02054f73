using Ipvs.Core.Desired;

namespace Ipvs.Engine;

/// <summary>What a source declares at one moment, and what it could not use (each error names the culprit).</summary>
internal sealed record SourceSnapshot(IReadOnlyList<ServiceDeclaration> Declarations, IReadOnlyList<string> Errors);
