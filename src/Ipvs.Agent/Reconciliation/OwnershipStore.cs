using Ipvs.Agent.Configuration;
using Ipvs.Core.Ownership;
using Ipvs.Engine;

namespace Ipvs.Agent.Reconciliation;

/// <summary>The journal as <c>ownership.json</c> in the state directory, replaced atomically.</summary>
/// <param name="stateDirectory">Where the journal lives.</param>
/// <param name="kernel">The kernel table this process changes (<see cref="KernelInstance.Current"/> when not given).</param>
internal sealed class OwnershipStore(string stateDirectory, string? kernel) : IOwnershipStore
{
    public const string FileName = "ownership.json";

    public OwnershipStore(string stateDirectory)
        : this(stateDirectory, KernelInstance.Current())
    {
    }

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    /// <summary>The journal, or an empty record when there is none yet or it was written for another kernel table.</summary>
    /// <exception cref="FormatException">The journal exists but cannot be read; the message names the file and the entry.</exception>
    public OwnershipRecord Load(out string? notice)
    {
        notice = null;
        if (!File.Exists(Path))
        {
            return OwnershipRecord.Empty;
        }

        ArraySegment<byte> json = InputFile.ReadUtf8(Path, InputFile.JournalLimit);
        try
        {
            OwnershipRecord record = OwnershipJournal.Deserialize(json, kernel, out string? setAside);
            notice = setAside is null ? null : $"{Path}: {setAside}";
            return record;
        }
        catch (FormatException exception)
        {
            throw new FormatException($"{Path}: {exception.Message}", exception);
        }
    }

    public void Save(OwnershipRecord record) => AtomicFile.Write(Path, stream => OwnershipJournal.Serialize(stream, record, kernel), durable: true);
}
