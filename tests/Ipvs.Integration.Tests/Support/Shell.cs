using CliWrap;
using CliWrap.Buffered;

namespace Ipvs.Integration.Tests.Support;

/// <summary>Runs the lab's command-line tools (ip, ipvsadm) and fails loudly with their stderr.</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        BufferedCommandResult result = await Cli.Wrap(program)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException(
                $"'{program} {string.Join(' ', arguments)}' exited with {result.ExitCode}: {result.StandardError.Trim()}");
    }
}
