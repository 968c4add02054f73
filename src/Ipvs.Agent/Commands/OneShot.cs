using Ipvs.Agent.Configuration;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.StaticServices;
using Ipvs.Core.Ownership;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Source;
using Ipvs.Engine;

namespace Ipvs.Agent.Commands;

/// <summary>What the one-shot verbs share: reading the desired state once.</summary>
internal static class OneShot
{
    /// <summary>The static file as a source; a file with any error stops the verb (exit 2) with every error listed.</summary>
    public static IDesiredSource ReadServicesFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CommandFailedException(ExitCodes.UsageOrConfig, $"{path}: services file not found");
        }

        StaticServicesResult result = StaticServicesFile.Load(path);
        return result.IsValid
            ? new FixedSource($"static file {path}", new SourceSnapshot(result.Declarations, []))
            : throw new CommandFailedException(ExitCodes.UsageOrConfig, $"{path}: rejected, nothing changed:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Errors));
    }

    /// <summary>The ownership journal; one written for another kernel table owns nothing here, and a warning says so.</summary>
    public static async Task<OwnershipRecord> LoadOwnershipAsync(AgentOptions options, TextWriter notes)
    {
        OwnershipRecord ownership = new OwnershipStore(options.StateDir).Load(out string? setAside);
        if (setAside is not null)
        {
            await notes.WriteLineAsync($"ipvs-agent: warning: {setAside}");
        }

        return ownership;
    }

    /// <summary>
    /// How long a verb waits for Docker's one list: a list and an inspect per labelled container took over 5 s in the
    /// one-CPU lab with the host busy, and a verb that gave up then answered without what Docker declares.
    /// </summary>
    private static readonly TimeSpan DockerReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Docker's declarations now (one list), or null with a note when Docker does not answer in time.</summary>
    public static async Task<IDesiredSource?> ReadDockerAsync(AgentOptions options, TextWriter notes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notes);
        try
        {
            using var api = new DockerEngineApi(options.DockerConnection, options.SwarmManagerConnection);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(DockerReadTimeout);
            DockerInventory inventory = await api.ListAsync(timeout.Token);
            DockerDeclarations declarations = DockerDeclarationsBuilder.Build(inventory, new DiscoveryOptions(options.OwnershipPolicy, options.NodeAddress));
            return new FixedSource(DockerDesiredSource.SourceName, DockerDesiredSource.ToSourceSnapshot(declarations));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            string why = exception is OperationCanceledException ? $"no answer within {DockerReadTimeout.TotalSeconds:0} s" : exception.Message;
            await notes.WriteLineAsync($"note: Docker not read ({why}); use --no-docker to skip it");
            return null;
        }
    }
}
