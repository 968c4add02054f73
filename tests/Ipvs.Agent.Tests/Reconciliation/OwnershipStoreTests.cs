using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Ownership;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class OwnershipStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-journal-").FullName;

    [Fact]
    public void Load_NoJournal_IsEmpty() => Assert.Empty(new OwnershipStore(_directory).Load().Services);

    [Fact]
    public void Save_ThenLoad_RoundTripsAndLeavesNoTemporaryFile()
    {
        var store = new OwnershipStore(_directory);
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Tcp("10.99.0.10")).WithService(Tcp("10.99.0.11", 443));

        store.Save(record);
        store.Save(record.WithoutService(Tcp("10.99.0.11", 443)));

        Assert.Equal([Tcp("10.99.0.10")], new OwnershipStore(_directory).Load().Services);
        Assert.Equal([OwnershipStore.FileName], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Load_CorruptJournal_ErrorNamesTheFile()
    {
        var store = new OwnershipStore(_directory);
        File.WriteAllText(store.Path, "{ \"version\": 1, \"services\": [\"TCP nonsense\"], \"drains\": [] }");

        var error = Assert.Throws<FormatException>(store.Load);

        Assert.Contains(store.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("services[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_SecondLockOnTheSameDirectory_Fails()
    {
        using StateLock first = StateLock.Acquire(_directory);

        var error = Assert.Throws<IOException>(() => StateLock.Acquire(_directory));

        Assert.Contains("held by another ipvs-agent", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
