using Ipvs.Agent.Configuration;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.StaticServices;
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

    /// <summary>Docker's declarations now (one list), or null with a note when Docker does not answer in time.</summary>
    public static async Task<IDesiredSource?> ReadDockerAsync(AgentOptions options, TextWriter notes, CancellationToken cancellationToken)
    {
        try
        {
            using var api = new DockerEngineApi(options.DockerConnection, options.SwarmManagerConnection);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            DockerInventory inventory = await api.ListAsync(timeout.Token);
            DockerDeclarations declarations = DockerDeclarationsBuilder.Build(inventory, new DiscoveryOptions(options.OwnershipPolicy, options.NodeAddress));
            return new FixedSource(DockerDesiredSource.SourceName, DockerDesiredSource.ToSourceSnapshot(declarations));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await notes.WriteLineAsync($"note: Docker not read ({exception.Message}); use --no-docker to skip it");
            return null;
        }
    }
}
