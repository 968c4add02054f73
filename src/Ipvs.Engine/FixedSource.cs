namespace Ipvs.Engine;

/// <summary>A source read once, for the one-shot verbs.</summary>
internal sealed class FixedSource(string name, SourceSnapshot snapshot) : IDesiredSource
{
    public string Name => name;

    public SourceSnapshot? Current => snapshot;

    public Task RunAsync(Action changed, CancellationToken cancellationToken) => Task.CompletedTask;
}
