using System.CommandLine;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Hosting;
using Ipvs.Agent.Process;
using Ipvs.Netlink;

namespace Ipvs.Agent.Commands;

/// <summary>The command line: verbs, flags, help, and the mapping of every failure to a documented exit code.</summary>
internal sealed class AgentCli
{
    private readonly CliContext _context;
    private readonly ConfigFlags _configFlags = new();
    private readonly Option<string> _output = new("--output", "-o") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table", HelpName = "FORMAT" };

    public AgentCli(CliContext context)
    {
        _context = context;
        _output.AcceptOnlyFromAmong("table", "json");
        Root = new RootCommand($"ipvs-agent: keeps Linux IPVS virtual services in line with Docker labels and a static YAML file. {ExitCodes.Description}");
        foreach (Option option in _configFlags.All)
        {
            Root.Options.Add(option);
        }

        Root.Subcommands.Add(RunVerb());
        Root.Subcommands.Add(StatusVerb());
        Root.Subcommands.Add(PlanVerb("plan", apply: false));
        Root.Subcommands.Add(PlanVerb("apply", apply: true));
        Root.Subcommands.Add(VerifyVerb());
        Root.Subcommands.Add(DrainVerb());
    }

    public RootCommand Root { get; }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default) =>
        new AgentCli(context).InvokeAsync(args, cancellationToken);

    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken)
    {
        ParseResult result = Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in result.Errors)
            {
                await _context.Error.WriteLineAsync($"ipvs-agent: {error.Message}");
            }

            await _context.Error.WriteLineAsync("Try 'ipvs-agent --help' or 'ipvs-agent VERB --help'.");
            return ExitCodes.UsageOrConfig;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = _context.Out, Error = _context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    private Command RunVerb()
    {
        var cleanup = new Option<bool>("--cleanup") { Description = "On stop, remove the services the agent owns (default: leave every rule in place)." };
        var command = new Command("run", "Run the daemon: watch the sources, reconcile the kernel, serve metrics. Stops on SIGTERM leaving rules in place.") { cleanup };
        command.SetAction((result, cancellationToken) => Guard(result, options => AgentHost.RunAsync(options, _configFlags.Values(result).ToList(), result.GetValue(_configFlags.Config), result.GetValue(cleanup), _context, cancellationToken)));
        return command;
    }

    private Command StatusVerb()
    {
        var command = new Command("status", "Show the kernel's IPVS table like ipvsadm -Ln, with owner (owned/foreign), source and drain state of each entry.") { _output };
        command.SetAction((result, cancellationToken) => Guard(result, options => StatusCommand.RunAsync(_context, options, Json(result), cancellationToken)));
        return command;
    }

    private Command PlanVerb(string name, bool apply)
    {
        var file = new Option<string>("--file", "-f") { Description = "Services YAML file: the whole desired state for this run.", Required = true, HelpName = "FILE" };
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 1 when there are changes (plan) instead of 0." };
        var command = new Command(name, apply
            ? "Apply once what a services file asks for (no daemon); uses and updates the ownership journal in --state-dir."
            : "Show the changes a services file would make to the kernel, without making them.") { file, _output };
        if (!apply)
        {
            command.Options.Add(detailed);
        }

        command.SetAction((result, cancellationToken) => Guard(result, options => Task.FromResult(PlanCommand.Run(
            _context, options, result.GetRequiredValue(file), apply, Json(result), !apply && result.GetValue(detailed)))));
        return command;
    }

    private Command VerifyVerb()
    {
        var command = new Command("verify", "Cross-check the kernel with ipvsadm -Sn against the desired state on the owned set; exit 1 and list the differences if they differ.");
        command.SetAction((result, cancellationToken) => Guard(result, options => VerifyCommand.RunAsync(_context, options, cancellationToken)));
        return command;
    }

    private Command DrainVerb()
    {
        var target = new Argument<string>("SERVICE|SERVER") { Description = "A service ('TCP 10.99.0.10:80', 'FWM 7') or a real server (10.1.1.2:8080)." };
        var service = new Option<string?>("--service") { Description = "Only drain the real server in this service.", HelpName = "SERVICE" };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel the drain: the server serves again." };
        var command = new Command("drain", "Start (or cancel) a graceful drain by hand: weight 0, then removal once idle or at the drain timeout.") { target, service, cancel };
        command.SetAction((result, cancellationToken) => Guard(result, options => Task.FromResult(DrainCommand.Run(
            _context, options, result.GetRequiredValue(target), result.GetValue(service), result.GetValue(cancel)))));
        return command;
    }

    private bool Json(ParseResult result) => result.GetValue(_output) == "json";

    /// <summary>Loads the configuration and runs the verb, turning every failure into a message and its exit code.</summary>
    private async Task<int> Guard(ParseResult result, Func<AgentOptions, Task<int>> verb)
    {
        try
        {
            AgentOptions options = AgentConfiguration.Load(result.GetValue(_configFlags.Config), _context.Environment, _configFlags.Values(result));
            return await verb(options);
        }
        catch (ConfigurationException exception)
        {
            foreach (string problem in exception.Problems)
            {
                await _context.Error.WriteLineAsync($"ipvs-agent: {problem}");
            }

            return ExitCodes.UsageOrConfig;
        }
        catch (CommandFailedException failure)
        {
            await _context.Error.WriteLineAsync($"ipvs-agent: {failure.Message}");
            return failure.ExitCode;
        }
        catch (Exception exception) when (exception is NetlinkException or IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            await _context.Error.WriteLineAsync($"ipvs-agent: {exception.Message}");
            return ExitCodes.Runtime;
        }
    }
}
