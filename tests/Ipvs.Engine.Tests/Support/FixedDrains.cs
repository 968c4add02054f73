using Ipvs.Core.Reconciling;

namespace Ipvs.Engine.Tests.Support;

/// <summary>Manual drains that are always the same set.</summary>
internal sealed class FixedDrains(IReadOnlyList<ManualDrain> drains) : IManualDrainSource
{
    public IReadOnlyList<ManualDrain> LoadOrLastGood(out string? problem)
    {
        problem = null;
        return drains;
    }
}
