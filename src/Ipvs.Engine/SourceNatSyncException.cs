namespace Ipvs.Engine;

/// <summary>The source NAT rules could not be kept (the adapter's error, in words): the pass goes on, the next full one retries.</summary>
internal sealed class SourceNatSyncException : Exception
{
    public SourceNatSyncException()
    {
    }

    public SourceNatSyncException(string message)
        : base(message)
    {
    }

    public SourceNatSyncException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
