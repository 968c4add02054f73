using Ipvs.Core.Kernel;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Reconciling;

/// <summary>
/// The table as it must be after a set of operations succeeded, without asking the kernel again: lets a change of one
/// real server among 10k services be planned and applied with O(1) netlink requests between full resyncs.
/// </summary>
/// <remarks>
/// Idempotent: an operation the table already reflects (the kernel would refuse it) changes nothing, which is what
/// lets operations applied while a dump ran be laid over that dump, whether it saw them or not. Counters are carried
/// over from the last dump, so drains wait for the next dump to see connections go.
/// </remarks>
public static class KernelTableProjection
{
    public static KernelTable Apply(KernelTable table, IEnumerable<IpvsOperation> succeeded)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(succeeded);
        var edit = new KernelTableEdit(table);
        foreach (IpvsOperation operation in succeeded)
        {
            _ = edit.TryApply(operation);
        }

        return edit.ToTable();
    }
}
