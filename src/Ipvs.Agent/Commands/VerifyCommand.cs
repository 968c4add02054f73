using System.ComponentModel;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Health;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.ServiceNames;
using Ipvs.Agent.Verification;
using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;

namespace Ipvs.Agent.Commands;

/// <summary>
/// <c>verify</c>: an independent cross-check with <c>ipvsadm -Sn</c> that the kernel holds the whole desired state. A
/// desired service the agent does not serve (refused, or colliding with a foreign entry) is a difference; foreign entries
/// are not compared. The health the daemon last saved (<c>health.json</c>) applies as it does in the daemon: a server
/// down by its check is expected at weight 0 or absent, and a fallback present while no other server serves. With the
/// DNS responder configured, a service name that is not answered as declared (a conflict, not a DNS label) is a
/// difference too.
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

        OwnershipRecord ownership = await OneShot.LoadOwnershipAsync(options, context.Error);
        KernelTable kernel;
        try
        {
            kernel = await context.IpvsadmSave(cancellationToken);
        }
        catch (Win32Exception exception)
        {
            throw new CommandFailedException(ExitCodes.Runtime, $"ipvsadm was not found or could not run ({exception.Message}): install it (apt-get install ipvsadm) to verify");
        }

        HealthStateReader health = HealthStateReader.Open(options.StateDir, out string? healthProblem);
        if (healthProblem is not null)
        {
            await context.Error.WriteLineAsync($"ipvs-agent: warning: {healthProblem}");
        }

        DesiredInput input = new DesiredStateAssembler(sources, new ManualDrainStore(options.StateDir), ServiceNameDns.NameCheck(options), health).Assemble();
        ownership = ReconcileRules.ConfirmIdentity(ownership, kernel, out var disowned);
        VerifyResult result = Compare(input.State, kernel, ownership, options.OwnershipPolicy, input.Problems,
            disowned.ToDictionary(entry => entry.Service, entry => entry.Reason));
        if (result.Differences.Count == 0)
        {
            await context.Out.WriteLineAsync($"OK: the kernel matches the desired state ({input.State.Services.Count} services, checked with ipvsadm -Sn).");
            return ExitCodes.Ok;
        }

        await context.Out.WriteLineAsync($"{result.Differences.Count} differences between the desired state and the kernel (ipvsadm -Sn):");
        foreach (string difference in result.Differences)
        {
            await context.Out.WriteLineAsync($"  {difference}");
        }

        return result.AnyRefused ? ExitCodes.UsageOrConfig : ExitCodes.Differences;
    }

    /// <summary>
    /// Every desired service against the kernel: one the configuration refuses, one held by an entry the agent did not
    /// create, and a declaration a source could not turn into a service are differences too, each naming its reason;
    /// owned kernel entries that are not desired are differences; foreign entries are otherwise not compared. An entry
    /// in <paramref name="disowned"/> (an owned service the kernel has configured otherwise than the agent left it,
    /// with the differences) is a conflict that names them.
    /// </summary>
    internal static VerifyResult Compare(
        DesiredState desired, KernelTable kernel, OwnershipRecord ownership, OwnershipPolicy policy, IReadOnlyList<string> problems,
        IReadOnlyDictionary<VirtualServiceKey, string>? disowned = null)
    {
        var differences = new List<string>();
        var comparable = new Dictionary<VirtualServiceKey, DesiredService>();
        bool anyRefused = false;
        foreach ((VirtualServiceKey key, DesiredService service) in desired.Services.OrderBy(pair => pair.Key, KeyOrder.Instance))
        {
            if (policy.Refusal(key) is { } refusal)
            {
                anyRefused = true;
                differences.Add($"{key}: not served by the agent: refused: {refusal}");
            }
            else if (disowned is not null && disowned.TryGetValue(key, out string? changed))
            {
                differences.Add($"{key}: not served by the agent: conflict: the kernel's entry was changed or re-created outside the agent ({changed})");
            }
            else if (!ownership.Owns(key) && kernel.Services.ContainsKey(key))
            {
                differences.Add($"{key}: not served by the agent: conflict: the kernel holds an entry with this key that the agent did not create");
            }
            else
            {
                comparable.Add(key, service);
            }
        }

        KernelTable wanted = KernelTableComparer.ToTable(new DesiredState(desired.Revision, comparable));
        KernelTable owned = KernelTable.Create(kernel.Services.Values.Where(service => ownership.Owns(service.Key)));
        differences.AddRange(KernelTableComparer.Compare(wanted, owned, compareThresholds: false));
        differences.AddRange(problems.Select(problem => $"not in the desired state: {problem}"));
        return new VerifyResult(differences, anyRefused);
    }
}

/// <summary>What <c>verify</c> found: every difference in words, and whether any is a refusal by the configuration.</summary>
internal sealed record VerifyResult(IReadOnlyList<string> Differences, bool AnyRefused);
