namespace Ipvs.Engine;

/// <summary>Where a pass gets the kernel table it plans from.</summary>
internal abstract record PassTable
{
    private PassTable()
    {
    }

    /// <summary>Read the whole kernel table now (a full pass).</summary>
    public static PassTable Fresh { get; } = new FreshRead();

    /// <summary>
    /// The last pass's table projected through what it applied: no kernel read (a scoped pass). The first pass, and
    /// any pass after a failure, reads the kernel instead.
    /// </summary>
    public static PassTable Projected { get; } = new LastProjection();

    /// <summary>A full read started earlier (<see cref="IReconcilePass.StartRead"/>), with what passes applied meanwhile laid over it.</summary>
    public static PassTable From(KernelRead read) => new Completed(read ?? throw new ArgumentNullException(nameof(read)));

    /// <summary>For the callers that decide by a flag: <see cref="Fresh"/> or <see cref="Projected"/>.</summary>
    public static PassTable For(bool readKernel) => readKernel ? Fresh : Projected;

    internal sealed record FreshRead : PassTable;

    internal sealed record LastProjection : PassTable;

    internal sealed record Completed(KernelRead Read) : PassTable;
}
