using Ipvs.Core.Model;

namespace Ipvs.Engine.Tests.Support;

/// <summary>Records every source NAT sync with how many kernel operations had been applied at that moment.</summary>
internal sealed class RecordingSourceNat(FakeKernel kernel) : ISourceNat
{
    public List<(IReadOnlySet<IpFamily> Families, bool Recheck, int OperationsAppliedBefore)> Syncs { get; } = [];

    /// <summary>When set, each sync is recorded and then throws it (the rules could not be put in place).</summary>
    public Exception? Failure { get; set; }

    public SourceNatOutcome Sync(IReadOnlySet<IpFamily> families, bool recheck)
    {
        Syncs.Add((new HashSet<IpFamily>(families), recheck, kernel.Applied.Count));
        return Failure is { } failure ? throw failure : SourceNatOutcome.Nothing;
    }
}
