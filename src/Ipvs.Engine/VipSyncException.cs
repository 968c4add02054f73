namespace Ipvs.Engine;

/// <summary>The VIPs could not be kept on the interface (the adapter's error, in words): the pass goes on, the next one retries.</summary>
internal sealed class VipSyncException : Exception
{
    public VipSyncException()
    {
    }

    public VipSyncException(string message)
        : base(message)
    {
    }

    public VipSyncException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
