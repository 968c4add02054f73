namespace Ipvs.Engine;

/// <summary>
/// Something that declares virtual services: the static YAML file, Docker. The reconcile loop merges every source's
/// <see cref="Current"/> snapshot; a source calls <c>changed</c> whenever its snapshot is replaced.
/// </summary>
internal interface IDesiredSource
{
    /// <summary>For logs and <c>status</c>: <c>static file /etc/ipvs-agent/services.yaml</c>, <c>docker</c>.</summary>
    string Name { get; }

    /// <summary>The latest good snapshot; null until the source has been read successfully once.</summary>
    SourceSnapshot? Current { get; }

    /// <summary>Watches the source until cancelled; never ends on a source failure (the last good snapshot stands).</summary>
    Task RunAsync(Action changed, CancellationToken cancellationToken);
}
