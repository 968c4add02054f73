using Ipvs.Agent.Commands;

namespace Ipvs.Agent;

internal static class Program
{
    public static Task<int> Main(string[] args) => AgentCli.RunAsync(args, new CliContext());
}
