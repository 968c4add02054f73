using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Ownership;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class OwnershipStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-journal-").FullName;

    [Fact]
    public void Load_NoJournal_IsEmpty() => Assert.Empty(new OwnershipStore(_directory).Load(out _).Services);

    [Fact]
    public void Save_ThenLoad_RoundTripsAndLeavesNoTemporaryFile()
    {
        var store = new OwnershipStore(_directory);
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Service("10.99.0.10")).WithService(Service("10.99.0.11", 443));

        store.Save(record);
        store.Save(record.WithoutService(Tcp("10.99.0.11", 443)));

        Assert.Equal([Tcp("10.99.0.10")], new OwnershipStore(_directory).Load(out string? notice).Services);
        Assert.Null(notice);
        Assert.Equal([OwnershipStore.FileName], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Load_JournalOfAnotherKernelTable_OwnsNothingAndSaysWhy()
    {
        new OwnershipStore(_directory, "boot 1111, net:[4026531840]").Save(OwnershipRecord.Empty.WithService(Service("10.99.0.10")));

        OwnershipRecord record = new OwnershipStore(_directory, "boot 2222, net:[4026531840]").Load(out string? notice);

        Assert.Empty(record.Services);
        Assert.NotNull(notice);
        Assert.Contains(Path.Combine(_directory, OwnershipStore.FileName), notice, StringComparison.Ordinal);
        Assert.Contains("boot 1111", notice, StringComparison.Ordinal);
        Assert.Contains("none of its 1 services is owned here", notice, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_DefaultStore_RecordsThisProcessesKernelTable()
    {
        var store = new OwnershipStore(_directory);

        store.Save(OwnershipRecord.Empty.WithService(Service("10.99.0.10")));

        string? kernel = KernelInstance.Current();
        Assert.NotNull(kernel);
        Assert.Matches(@"^boot [0-9a-f-]{36}, net:\[[0-9]+\]$", kernel);
        using var journal = System.Text.Json.JsonDocument.Parse(File.ReadAllText(store.Path));
        Assert.Equal(kernel, journal.RootElement.GetProperty("kernel").GetString());
        Assert.Single(store.Load(out _).Services);
    }

    [Fact]
    public void Load_CorruptJournal_ErrorNamesTheFile()
    {
        var store = new OwnershipStore(_directory);
        File.WriteAllText(store.Path, "{ \"version\": 1, \"services\": [\"TCP nonsense\"], \"drains\": [] }");

        var error = Assert.Throws<FormatException>(() => store.Load(out _));

        Assert.Contains(store.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("services[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JournalNotUtf8_ErrorNamesTheFileAndTheByte()
    {
        var store = new OwnershipStore(_directory);
        File.WriteAllBytes(store.Path, [.. "{ \"version\": 2, \"services\": [\"TCP 10.99.0.10:80"u8, 0xE9, .. "\"] }"u8]);

        var error = Assert.Throws<FormatException>(() => store.Load(out _));

        Assert.Contains(store.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not UTF-8", error.Message, StringComparison.Ordinal);
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
