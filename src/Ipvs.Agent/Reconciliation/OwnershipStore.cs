using Ipvs.Agent.Configuration;
using Ipvs.Core.Ownership;
using Ipvs.Engine;

namespace Ipvs.Agent.Reconciliation;

/// <summary>The journal as <c>ownership.json</c> in the state directory, replaced atomically.</summary>
internal sealed class OwnershipStore(string stateDirectory) : IOwnershipStore
{
    public const string FileName = "ownership.json";

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    /// <summary>The journal, or an empty record when there is none yet.</summary>
    /// <exception cref="FormatException">The journal exists but cannot be read; the message names the file and the entry.</exception>
    public OwnershipRecord Load()
    {
        if (!File.Exists(Path))
        {
            return OwnershipRecord.Empty;
        }

        string json = InputFile.ReadAllText(Path, InputFile.JournalLimit);
        try
        {
            return OwnershipJournal.Deserialize(json);
        }
        catch (FormatException exception)
        {
            throw new FormatException($"{Path}: {exception.Message}", exception);
        }
    }

    public void Save(OwnershipRecord record) => AtomicFile.Write(Path, OwnershipJournal.Serialize(record));
}
