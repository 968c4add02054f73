using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Engine;

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
