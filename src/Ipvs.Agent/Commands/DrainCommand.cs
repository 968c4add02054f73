using Ipvs.Agent.Configuration;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Reconciling;
using Ipvs.Core.Timing;

namespace Ipvs.Agent.Commands;

/// <summary><c>drain</c>: record (or cancel) a graceful drain; the daemon or the next apply carries it out.</summary>
internal static class DrainCommand
{
    public static int Run(CliContext context, AgentOptions options, string target, string? service, bool cancel)
    {
        var store = new ManualDrainStore(options.StateDir);
        ManualDrain requested;
        try
        {
            requested = ManualDrainStore.Parse(target, service, context.Time.GetUtcNow());
        }
        catch (FormatException exception)
        {
            throw new CommandFailedException(ExitCodes.UsageOrConfig, exception.Message);
        }

        List<ManualDrain> drains;
        try
        {
            drains = [.. store.Load()];
        }
        catch (FormatException exception)
        {
            // Rewriting the file would lose what it holds: the operator fixes it (or removes it) first.
            throw new CommandFailedException(ExitCodes.UsageOrConfig, $"{exception.Message}; fix or remove the file, nothing was recorded");
        }

        bool Same(ManualDrain drain) => drain.Service == requested.Service && drain.Server == requested.Server;
        if (cancel)
        {
            int removed = drains.RemoveAll(Same);
            store.Save(drains);
            context.Out.WriteLine(removed == 0 ? $"No drain of {requested} was recorded." : $"Drain of {requested} cancelled; it serves again from the next pass.");
            return ExitCodes.Ok;
        }

        if (!drains.Any(Same))
        {
            drains.Add(requested);
            store.Save(drains);
        }

        context.Out.WriteLine($"Drain of {requested} recorded in {store.Path}: weight 0 now, removed once idle or after {DurationText.Format(options.DrainTimeout)}. Undo with --cancel.");
        return ExitCodes.Ok;
    }
}
