using Ipvs.Core.Kernel;

namespace Ipvs.Engine.Tests;

public sealed class BackgroundReadTests
{
    [Fact]
    public async Task Start_ReadSucceeds_CompletesWithItsTableFromAnotherThread()
    {
        KernelTable table = KernelTable.Create([]);
        int callerThread = Environment.CurrentManagedThreadId;
        int readThread = callerThread;

        KernelTable read = await BackgroundRead.Start(() =>
        {
            readThread = Environment.CurrentManagedThreadId;
            return table;
        }).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Same(table, read);
        Assert.NotEqual(callerThread, readThread);
    }

    [Fact]
    public async Task Start_ReadThrows_FaultsWithTheError()
    {
        Task<KernelTable> read = BackgroundRead.Start(() => throw new InvalidOperationException("dump interrupted"));

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => read.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Equal("dump interrupted", error.Message);
    }
}
