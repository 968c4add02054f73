using Ipvs.Core.Ownership;

namespace Ipvs.Engine;

/// <summary>Where the agent journals what it owns, so a restart adopts exactly its own entries and nothing else.</summary>
internal interface IOwnershipStore
{
    OwnershipRecord Load();

    void Save(OwnershipRecord record);
}
