using Ipvs.Core.Kernel;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Core.Tests.Support;

/// <summary>
/// Applies plans to an in-memory table with the production model of the kernel's refusals (<see cref="KernelTableEdit"/>),
/// throwing on any, plus one refusal of its own: deleting a service that still has real servers, which the kernel
/// allows but our plans must never do.
/// </summary>
internal sealed class InMemoryKernel(KernelTable table)
{
    private KernelTable _table = table;

    public void Apply(IEnumerable<IpvsOperation> operations)
    {
        foreach (IpvsOperation operation in operations)
        {
            Apply(operation);
        }
    }

    public void Apply(IpvsOperation operation)
    {
        var edit = new KernelTableEdit(_table);
        if (operation.Kind == IpvsOperationKind.DeleteService && _table.TryGetService(operation.ServiceKey, out KernelService? service) && service.RealServers.Count > 0)
        {
            throw new InvalidOperationException($"The kernel refuses '{operation}': service still has {service.RealServers.Count} real servers.");
        }

        if (edit.TryApply(operation) is { } refusal)
        {
            throw new InvalidOperationException($"The kernel refuses '{operation}': {refusal}.");
        }

        _table = edit.ToTable();
    }

    public KernelTable ToTable() => _table;
}
