using System.Collections;
using Ipvs.Agent.Commands;
using Ipvs.Agent.Process;
using Ipvs.Core.Kernel;
using Ipvs.Engine.Tests.Support;

namespace Ipvs.Agent.Tests.Support;

/// <summary>Runs the command line in-process against a fake kernel, capturing what it prints.</summary>
internal sealed class CliRunner
{
    public FakeKernel Kernel { get; } = new();

    public Hashtable Environment { get; } = [];

    public Func<CancellationToken, Task<KernelTable>> IpvsadmSave { get; set; } = _ => Task.FromResult(KernelTable.Empty);

    public async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Environment = Environment,
            OpenKernel = () => Kernel,
            OpenVips = _ => null,
            OpenSourceNat = _ => null,
            IpvsadmSave = IpvsadmSave,
        };
        int exitCode = await AgentCli.RunAsync(args, context, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
