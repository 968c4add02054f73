using Ipvs.Core.Ownership;

namespace Ipvs.Engine.Tests.Support;

internal sealed class InMemoryOwnershipStore(OwnershipRecord? initial = null) : IOwnershipStore
{
    public OwnershipRecord Record { get; private set; } = initial ?? OwnershipRecord.Empty;

    public int Saves { get; private set; }

    public OwnershipRecord Load() => Record;

    public void Save(OwnershipRecord record)
    {
        Record = record;
        Saves++;
    }
}
