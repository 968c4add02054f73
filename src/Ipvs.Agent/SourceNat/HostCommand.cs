using CliWrap;
using CliWrap.Buffered;

namespace Ipvs.Agent.SourceNat;

/// <summary>What a command printed and how it ended.</summary>
internal readonly record struct CommandResult(int ExitCode, string Output, string Error);

/// <summary>Runs a host tool (iptables-restore and its kin) to its end: the one place source NAT leaves the process.</summary>
internal static class HostCommand
{
    /// <summary>Runs <paramref name="program"/>, feeding it <paramref name="input"/>; a program that cannot be started is exit 127.</summary>
    public static CommandResult Run(string program, IReadOnlyList<string> arguments, string? input)
    {
        try
        {
            Command command = Cli.Wrap(program).WithArguments(arguments).WithValidation(CommandResultValidation.None);
            if (input is not null)
            {
                command = command.WithStandardInputPipe(PipeSource.FromString(input));
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            BufferedCommandResult result = command.ExecuteBufferedAsync(timeout.Token).GetAwaiter().GetResult();
            return new CommandResult(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new CommandResult(127, string.Empty, exception.Message);
        }
        catch (OperationCanceledException)
        {
            return new CommandResult(124, string.Empty, "no answer within 30 s");
        }
    }
}
