using Ipvs.Core.Ownership;

namespace Ipvs.Engine;

/// <summary>Where the agent journals what it owns, so a restart adopts exactly its own entries and nothing else.</summary>
internal interface IOwnershipStore
{
    /// <summary>The journal; <paramref name="notice"/> says why it was set aside (written for another kernel table), or is null.</summary>
    OwnershipRecord Load(out string? notice);

    void Save(OwnershipRecord record);
}
