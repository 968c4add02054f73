using System.Globalization;
using System.Text.Json;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Logging;
using Ipvs.Agent.Metrics;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.ServiceNames;
using Ipvs.Core.Draining;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Ipvs.Agent.Commands;

/// <summary><c>plan</c> and <c>apply</c>: the change a services file would make, shown or applied once, without the daemon.</summary>
internal static class PlanCommand
{
    public static int Run(CliContext context, AgentOptions options, string file, bool apply, bool json, bool detailedExitCode)
    {
        IDesiredSource source = OneShot.ReadServicesFile(file);
        var assembler = new DesiredStateAssembler([source], new ManualDrainStore(options.StateDir), ServiceNameDns.NameCheck(options));
        var planner = new Planner(options.OwnershipPolicy, new DrainPolicy(options.DrainTimeout));
        using IKernelGateway kernel = KernelConnection.Open(context.OpenKernel);

        // plan and apply are one pass: plan is the pass without sending (nor journaling, nor touching the VIPs).
        using StateLock? stateLock = apply ? StateLock.Acquire(options.StateDir) : null;
        // A preview tells only the sources' problems, as warnings (its changes and issues are the output itself).
        using Serilog.Core.Logger log = new LoggerConfiguration().MinimumLevel.Is(apply ? options.LogLevel : LogEventLevel.Warning)
            .WriteTo.Sink(new TextWriterSink(context.Error, new MessageTemplateTextFormatter(apply ? "{Message:lj}{NewLine}" : "warning: {Message:lj}{NewLine}", CultureInfo.InvariantCulture)))
            .CreateLogger();
        var metrics = new AgentMetrics();
        var reconciler = new Reconciler(kernel, apply ? context.OpenVips(options.Interface) : null, new OwnershipStore(options.StateDir), assembler, planner,
            options.OwnershipPolicy, context.Time, log, metrics, sourceNat: apply ? context.OpenSourceNat(options) : null);
        ReconcileReport report = apply ? reconciler.Run(ReconcileReason.Startup, PassTable.Fresh) : reconciler.Preview();
        Plan plan = report.Plan;
        ApplyOutcome outcome = report.Outcome;

        // Desired services refused or colliding with a foreign entry: the kernel cannot match the desired state.
        int unserved = plan.Issues.Count(issue => issue.LeavesDesiredUnserved);
        if (json)
        {
            WriteJson(context.Out, plan, outcome, apply, unserved);
        }
        else
        {
            WriteText(context.Out, plan, outcome, apply, unserved, everyChange: options.LogLevel <= LogEventLevel.Debug);
        }

        // The VIPs or source NAT not in place (logged with the reason): the services are in the kernel but not reachable.
        if (outcome.Failures.Count > 0 || metrics.Errors.ContainsKey(ErrorKinds.Vip) || metrics.Errors.ContainsKey(ErrorKinds.SourceNat))
        {
            return ExitCodes.Runtime;
        }

        // A configuration problem: a script must not read success.
        if (unserved > 0)
        {
            return ExitCodes.UsageOrConfig;
        }

        return detailedExitCode && !plan.IsEmpty ? ExitCodes.Differences : ExitCodes.Ok;
    }

    internal static string Symbol(IpvsOperationKind kind) => kind switch
    {
        IpvsOperationKind.AddService or IpvsOperationKind.AddServer => "+",
        IpvsOperationKind.UpdateService or IpvsOperationKind.UpdateServer => "~",
        _ => "-",
    };

    private static void WriteText(TextWriter output, Plan plan, ApplyOutcome outcome, bool applied, int unserved, bool everyChange)
    {
        if (plan.IsEmpty && unserved == 0)
        {
            output.WriteLine("No changes: the kernel already matches the desired state.");
        }
        else if (plan.IsEmpty)
        {
            output.WriteLine($"No changes {(applied ? "applied" : "planned")}.");
        }
        else
        {
            int adds = plan.Operations.Count(operation => Symbol(operation.Kind) == "+");
            int changes = plan.Operations.Count(operation => Symbol(operation.Kind) == "~");
            int removes = plan.Operations.Count - adds - changes;
            output.WriteLine($"{(applied ? "Applied" : "Plan")}: {plan.Operations.Count} changes ({adds} to add, {changes} to change, {removes} to remove)");
            WriteChanges(output, plan.Operations, everyChange);
        }

        foreach (PlanIssue issue in plan.Issues)
        {
            output.WriteLine($"  ! {issue.Message}");
        }

        foreach (OperationFailure failure in outcome.Failures)
        {
            output.WriteLine($"  FAILED {ChangeText.ChangeName(failure.Operation.Kind)} {failure.Operation.ServiceKey}: {failure.Error}");
        }

        if (unserved > 0)
        {
            output.WriteLine($"{unserved} desired {(unserved == 1 ? "service was" : "services were")} refused (marked ! above): "
                + "the kernel does not match the desired state.");
        }
    }

    /// <summary>One line per change; for a large plan (<see cref="ChangeSummary"/>) a summary and examples, unless every change was asked for.</summary>
    private static void WriteChanges(TextWriter output, IReadOnlyList<IpvsOperation> operations, bool everyChange)
    {
        bool summarise = ChangeSummary.IsLarge(operations.Count) && !everyChange;
        if (summarise)
        {
            output.WriteLine($"  by kind: {ChangeSummary.ByKind(operations)}");
            output.WriteLine($"  by source: {ChangeSummary.BySource(operations)}");
            output.WriteLine($"  touched: {ChangeSummary.ServicesTouched(operations)}");
        }

        foreach (IpvsOperation operation in summarise ? ChangeSummary.Examples(operations) : operations)
        {
            string subject = operation.Server is { } server ? $"{operation.ServiceKey} real server {server.Key}" : $"service {operation.ServiceKey}";
            output.WriteLine($"  {(summarise ? "e.g. " : string.Empty)}{Symbol(operation.Kind)} {subject}: {operation.Reason} (source: {operation.Source?.ToString() ?? "agent"})");
        }

        if (summarise)
        {
            output.WriteLine($"  ({operations.Count} changes in all: every one with --log-level debug or --output json)");
        }
    }

    private static void WriteJson(TextWriter output, Plan plan, ApplyOutcome outcome, bool applied, int unserved)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("applied", applied);
            writer.WriteNumber("refused", unserved);
            var failed = outcome.Failures.Select(failure => failure.Operation).ToHashSet(ReferenceEqualityComparer.Instance);
            writer.WriteStartArray("changes");
            foreach (IpvsOperation operation in plan.Operations)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", operation.Kind.ToString());
                writer.WriteString("service", operation.ServiceKey.ToString());
                writer.WriteString("server", operation.Server?.Key.ToString());
                writer.WriteString("reason", operation.Reason);
                writer.WriteString("source", operation.Source?.ToString());
                writer.WriteBoolean("failed", failed.Contains(operation));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("issues");
            foreach (PlanIssue issue in plan.Issues)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", issue.Kind.ToString());
                writer.WriteString("service", issue.Service.ToString());
                writer.WriteString("message", issue.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
