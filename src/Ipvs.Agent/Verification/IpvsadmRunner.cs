using CliWrap;
using CliWrap.Buffered;
using Ipvs.Core.Kernel;

namespace Ipvs.Agent.Verification;

/// <summary>Runs <c>ipvsadm -Sn</c> and parses what it prints: the thin I/O edge of verification.</summary>
public static class IpvsadmRunner
{
    public static async Task<KernelTable> SaveAsync(string ipvsadmPath = "ipvsadm", CancellationToken cancellationToken = default)
    {
        BufferedCommandResult result = await Cli.Wrap(ipvsadmPath)
            .WithArguments(["-Sn"])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        return result.ExitCode == 0
            ? IpvsadmSaveParser.Parse(result.StandardOutput)
            : throw new InvalidOperationException($"{ipvsadmPath} -Sn exited with {result.ExitCode}: {result.StandardError.Trim()}");
    }
}
