namespace Ipvs.Engine;

/// <summary>One reconcile pass, as the loop drives it.</summary>
internal interface IReconcilePass
{
    /// <summary>Plans from <paramref name="table"/> and applies the plan.</summary>
    ReconcileReport Run(ReconcileReason reasons, PassTable table);

    /// <summary>
    /// Starts a full read of the kernel on another thread (its own netlink socket); passes may run meanwhile, and what
    /// they apply is recorded in the read. Run the full pass with <see cref="PassTable.From"/>.
    /// </summary>
    KernelRead StartRead();
}
