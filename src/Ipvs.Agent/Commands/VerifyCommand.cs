using System.ComponentModel;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.Verification;
using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;

namespace Ipvs.Agent.Commands;

/// <summary>
/// <c>verify</c>: an independent cross-check with <c>ipvsadm -Sn</c> that the kernel holds the desired state on the set
/// the agent owns (or may own); foreign entries are not compared.
/// </summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(CliContext context, AgentOptions options, CancellationToken cancellationToken)
    {
        var sources = new List<IDesiredSource>();
        if (options.ServicesFile is { } file)
        {
            sources.Add(OneShot.ReadServicesFile(file));
        }

        if (options.DockerEnabled && await OneShot.ReadDockerAsync(options, context.Error, cancellationToken) is { } docker)
        {
            sources.Add(docker);
        }

        if (sources.Count == 0)
        {
            throw new CommandFailedException(ExitCodes.UsageOrConfig, "verify needs a desired state: give --services FILE (or servicesFile in the config) or enable Docker");
        }

        DesiredState desired = new DesiredStateAssembler(sources, new ManualDrainStore(options.StateDir)).Assemble().State;
        OwnershipRecord ownership = new OwnershipStore(options.StateDir).Load();
        KernelTable kernel;
        try
        {
            kernel = await context.IpvsadmSave(cancellationToken);
        }
        catch (Win32Exception exception)
        {
            throw new CommandFailedException(ExitCodes.Runtime, $"ipvsadm was not found or could not run ({exception.Message}): install it (apt-get install ipvsadm) to verify");
        }

        IReadOnlyList<string> differences = Compare(desired, kernel, ownership, options.OwnershipPolicy);
        if (differences.Count == 0)
        {
            await context.Out.WriteLineAsync($"OK: the kernel matches the desired state ({desired.Services.Count} services, checked with ipvsadm -Sn).");
            return ExitCodes.Ok;
        }

        await context.Out.WriteLineAsync($"{differences.Count} differences between the desired state and the kernel (ipvsadm -Sn):");
        foreach (string difference in differences)
        {
            await context.Out.WriteLineAsync($"  {difference}");
        }

        return ExitCodes.Differences;
    }

    /// <summary>Differences on the owned set: desired services the agent may own (not foreign collisions) against the owned kernel entries.</summary>
    internal static IReadOnlyList<string> Compare(DesiredState desired, KernelTable kernel, OwnershipRecord ownership, OwnershipPolicy policy)
    {
        var comparable = desired.Services
            .Where(pair => policy.Refusal(pair.Key) is null && (ownership.Owns(pair.Key) || !kernel.Services.ContainsKey(pair.Key)))
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        KernelTable wanted = KernelTableComparer.ToTable(new DesiredState(desired.Revision, comparable));
        KernelTable owned = KernelTable.Create(kernel.Services.Values.Where(service => ownership.Owns(service.Key)));
        return KernelTableComparer.Compare(wanted, owned, compareThresholds: false);
    }
}
