using Ipvs.Agent.Commands;
using Ipvs.Agent.Process;

namespace Ipvs.Agent;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Output in large blocks, flushed however the verb ends (an exception too: this finally runs before Main's
        // task faults).
        using BufferedConsole console = BufferedConsole.Open();
        try
        {
            return await AgentCli.RunAsync(args, new CliContext { Out = console.Out, Error = console.Error });
        }
        finally
        {
            console.Flush();
        }
    }
}
