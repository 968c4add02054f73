using Ipvs.Core.Model;

namespace Ipvs.Engine.Tests.Support;

/// <summary>Records every VIP sync with how many kernel operations had been applied at that moment.</summary>
internal sealed class RecordingVips(FakeKernel kernel) : IVipAddresses
{
    public List<(IReadOnlySet<NetAddress> Wanted, int OperationsAppliedBefore)> Syncs { get; } = [];

    /// <summary>When set, each sync is recorded and then throws it (the interface could not be changed).</summary>
    public Exception? Failure { get; set; }

    public IReadOnlyList<string> Sync(IReadOnlySet<NetAddress> wanted, Func<NetAddress, bool> manageable)
    {
        Syncs.Add((new HashSet<NetAddress>(wanted), kernel.Applied.Count));
        return Failure is { } failure ? throw failure : [];
    }
}
