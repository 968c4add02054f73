using Ipvs.Core.Kernel;
using Ipvs.Core.Planning;

namespace Ipvs.Engine;

/// <summary>
/// A full kernel read in flight, and the operations passes applied while it ran: the dump may have seen each of them
/// or not (it reads service by service), so they are applied again to the table it returns, which is idempotent.
/// </summary>
internal sealed class KernelRead(Task<KernelTable> table)
{
    private readonly List<IpvsOperation> _appliedMeanwhile = [];

    public Task<KernelTable> Table => table;

    /// <summary>A pass failed while the read ran, so what it changed is unknown: the full pass reads the kernel again.</summary>
    public bool Spoiled { get; private set; }

    public IReadOnlyList<IpvsOperation> AppliedMeanwhile => _appliedMeanwhile;

    public void Record(IEnumerable<IpvsOperation> applied) => _appliedMeanwhile.AddRange(applied);

    public void Spoil() => Spoiled = true;
}
