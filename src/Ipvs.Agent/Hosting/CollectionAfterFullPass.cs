namespace Ipvs.Agent.Hosting;

/// <summary>
/// The daemon's garbage collection after a full pass (see <c>ReconcileLoop</c>): every generation, compacted, the
/// large-object heap too; memory is given back to the system only when the heap that lived through the last full
/// collection is larger than <see cref="LargeHeapBytes"/>.
/// </summary>
/// <remarks>
/// Giving memory back is what keeps a 10k-service daemon near its live size, but the pass after it pays for it: its
/// allocations land on pages the kernel must map again, and under user-mode Linux each costs ~0.14 ms. Measured in the
/// lab (issue 12): with 1k services (8 MB live) the pass after a Docker event took 19-48 ms instead of 2-3 (p99 event
/// latency 227 ms instead of 96); with 10k x 10 (53-55 MB live) and resyncs every 5 s, resident memory had a median
/// of 73 MB giving memory back after every resync and 97 MB never, where the GC kept 22 MB beyond the live heap.
/// What the GC keeps grows with the live heap (its budgets follow what survives), so a small heap keeps its pages and
/// a large one gives back. Deciding on the last full collection's sizes costs no collection of its own (deciding on a
/// fresh one took a second collection: 0.15 s more CPU per resync at 10k x 10).
/// </remarks>
internal static class CollectionAfterFullPass
{
    /// <summary>The live heap beyond which memory is given back.</summary>
    public const long LargeHeapBytes = 32L << 20;

    /// <param name="liveBytes">The heap's size after the last full collection (0 before the first).</param>
    public static bool GivesMemoryBack(long liveBytes) => liveBytes > LargeHeapBytes;

    /// <summary>Collects; returns whether memory was given back, and the live size that decided it.</summary>
    public static (bool GaveBack, long LiveBytes) Run()
    {
        long live = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
        bool giveBack = GivesMemoryBack(live);
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, giveBack ? GCCollectionMode.Aggressive : GCCollectionMode.Forced, blocking: true, compacting: true);
        return (giveBack, live);
    }
}
