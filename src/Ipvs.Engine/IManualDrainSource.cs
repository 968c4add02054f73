using Ipvs.Core.Reconciling;

namespace Ipvs.Engine;

/// <summary>The drains an operator asked for (<c>ipvs-agent drain</c>), as the assembler reads them before each merge.</summary>
internal interface IManualDrainSource
{
    /// <summary>
    /// The recorded drains, or, when they have become unreadable, the last set read well (empty before the first): a
    /// bad record never drains anything new, and never "everything".
    /// </summary>
    /// <param name="problem">Why the record was not used, naming it; null when it was.</param>
    IReadOnlyList<ManualDrain> LoadOrLastGood(out string? problem);
}
