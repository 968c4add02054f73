namespace Ipvs.Engine;

/// <summary>Why a reconcile pass runs; several reasons merge into one pass.</summary>
[Flags]
internal enum ReconcileReason
{
    None = 0,
    Startup = 1,
    SourceChanged = 2,
    Resync = 4,
    Drain = 8,
    Retry = 16,
    Reload = 32,
    /// <summary>The kernel contradicted the table the last pass planned from: read it again.</summary>
    StaleRead = 64,
    /// <summary>A checked real server went up or down.</summary>
    Health = 128,
}
