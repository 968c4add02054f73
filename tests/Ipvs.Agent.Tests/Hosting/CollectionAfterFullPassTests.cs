using Ipvs.Agent.Hosting;

namespace Ipvs.Agent.Tests.Hosting;

public sealed class CollectionAfterFullPassTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void GivesMemoryBack_SmallLiveHeap_KeepsPages() =>
        Assert.False(CollectionAfterFullPass.GivesMemoryBack(liveBytes: 8 * MiB));

    [Fact]
    public void GivesMemoryBack_LargeLiveHeap_GivesBack() =>
        Assert.True(CollectionAfterFullPass.GivesMemoryBack(liveBytes: 55 * MiB));

    [Fact]
    public void GivesMemoryBack_ExactlyTheLimit_KeepsPages() =>
        Assert.False(CollectionAfterFullPass.GivesMemoryBack(CollectionAfterFullPass.LargeHeapBytes));

    [Fact]
    public void GivesMemoryBack_BeforeAnyFullCollection_KeepsPages() =>
        Assert.False(CollectionAfterFullPass.GivesMemoryBack(liveBytes: 0));

    [Fact]
    public void Run_AfterALargeHeapDied_GivesItsMemoryBack()
    {
        KeepAliveThroughAFullCollection(64);
        long heldBefore = GC.GetGCMemoryInfo(GCKind.FullBlocking).TotalCommittedBytes;

        (bool gaveBack, long live) = CollectionAfterFullPass.Run();
        long heldAfter = GC.GetGCMemoryInfo(GCKind.FullBlocking).TotalCommittedBytes;

        Assert.True(gaveBack, $"{live >> 20} MB live");
        Assert.True(live >= 64 * MiB, $"{live >> 20} MB live");
        Assert.True(heldAfter < heldBefore - (32 * MiB), $"held {heldBefore >> 20} MB before giving back, {heldAfter >> 20} MB after");
    }

    /// <summary>
    /// <paramref name="mebibytes"/> MiB that live through a full collection and die right after, as a large table
    /// does when a resync replaces it; not inlined, so that nothing of them stays reachable from the caller's frame.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void KeepAliveThroughAFullCollection(int mebibytes)
    {
        var heap = new byte[mebibytes][];
        for (int i = 0; i < heap.Length; i++)
        {
            heap[i] = new byte[MiB];
            heap[i][i] = 1;
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.KeepAlive(heap);
    }
}
