using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Agent.Reconciliation;

/// <summary>What the kernel's refusal says about the entry an operation addressed, as far as the reconciler cares.</summary>
internal enum FailureKind
{
    /// <summary>Anything else: the operation itself was refused (unknown scheduler, invalid value, no memory, permission).</summary>
    Other,
    /// <summary>EEXIST: the service or real server to add is already there.</summary>
    AlreadyExists,
    /// <summary>ESRCH: the virtual service does not exist.</summary>
    NoSuchService,
    /// <summary>ENOENT on a real-server command: the service has no such real server.</summary>
    NoSuchServer,
    /// <summary>Not sent: the operation addressed a service that turned out, when the pass tried to create it, to exist and not be the agent's.</summary>
    Withheld,
}

/// <summary>A planned operation the kernel rejected, with the kernel's reason.</summary>
internal sealed record OperationFailure(IpvsOperation Operation, string Error, FailureKind Kind = FailureKind.Other);

/// <summary>The outcome of applying a plan: not atomic, every rejected operation is listed and all others took effect.</summary>
internal sealed record ApplyOutcome(int Count, IReadOnlyList<OperationFailure> Failures, int Datagrams)
{
    public static readonly ApplyOutcome Nothing = new(0, [], 0);
}

/// <summary>The kernel as the reconcile loop sees it: read the whole IPVS table, apply planned operations.</summary>
internal interface IKernelGateway : IDisposable
{
    /// <summary>A full dump of the table, with counters.</summary>
    KernelTable ReadTable();

    /// <summary>Applies <paramref name="operations"/> in order, batched; continues past rejected ones.</summary>
    ApplyOutcome Apply(IReadOnlyList<IpvsOperation> operations);

    /// <summary>Whether the kernel has the service now: one request, not a dump (which a concurrent change can make miss it).</summary>
    bool HasService(VirtualServiceKey key);
}

/// <summary>The VIP addresses the agent keeps on its dummy interface.</summary>
internal interface IVipAddresses
{
    /// <summary>Makes the interface carry exactly <paramref name="wanted"/> among the addresses <paramref name="manageable"/> accepts; returns what changed.</summary>
    IReadOnlyList<string> Sync(IReadOnlySet<NetAddress> wanted, Func<NetAddress, bool> manageable);
}
