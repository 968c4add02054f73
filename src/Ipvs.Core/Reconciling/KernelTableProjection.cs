using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
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
        IReadOnlyList<IpvsOperation> operations = succeeded as IReadOnlyList<IpvsOperation> ?? [.. succeeded];
        for (int index = 0; index < operations.Count; index++)
        {
            _ = edit.TryApply(operations[index], ServersAddedNext(operations, index));
        }

        return edit.ToTable();
    }

    /// <summary>
    /// At the first of a run of operations on one service: how many real servers the run adds (a plan lists a new
    /// service's servers right after it). Zero inside a run, which keeps the counting linear in the operations.
    /// </summary>
    private static int ServersAddedNext(IReadOnlyList<IpvsOperation> operations, int index)
    {
        VirtualServiceKey key = operations[index].ServiceKey;
        if (index > 0 && operations[index - 1].ServiceKey == key)
        {
            return 0;
        }

        int added = 0;
        for (int next = index; next < operations.Count && operations[next].ServiceKey == key; next++)
        {
            added += operations[next].Kind == IpvsOperationKind.AddServer ? 1 : 0;
        }

        return added;
    }
}
