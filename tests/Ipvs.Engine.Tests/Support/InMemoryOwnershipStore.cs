using Ipvs.Core.Ownership;

namespace Ipvs.Engine.Tests.Support;

/// <summary>A journal in memory; <see cref="BeforeSave"/> lets a test look at the world at each write, or make it fail.</summary>
internal sealed class InMemoryOwnershipStore(OwnershipRecord? initial = null) : IOwnershipStore
{
    public OwnershipRecord Record { get; private set; } = initial ?? OwnershipRecord.Empty;

    public int Saves { get; private set; }

    /// <summary>Called with each record about to be written; throwing makes the write fail (the record is not kept).</summary>
    public Action<OwnershipRecord>? BeforeSave { get; set; }

    /// <summary>What <see cref="Load"/> reports as the reason the journal was set aside, or null.</summary>
    public string? Notice { get; set; }

    public OwnershipRecord Load(out string? notice)
    {
        notice = Notice;
        return Record;
    }

    public void Save(OwnershipRecord record)
    {
        BeforeSave?.Invoke(record);
        Record = record;
        Saves++;
    }
}
