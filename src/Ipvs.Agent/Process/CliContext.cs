using System.Collections;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.SourceNat;
using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Engine;
using Ipvs.Netlink.Client;

namespace Ipvs.Agent.Process;

/// <summary>What the verbs touch outside the process: replaced by fakes in tests.</summary>
internal sealed class CliContext
{
    public TextWriter Out { get; init; } = Console.Out;

    public TextWriter Error { get; init; } = Console.Error;

    public IDictionary Environment { get; init; } = System.Environment.GetEnvironmentVariables();

    public Func<IKernelGateway> OpenKernel { get; init; } = KernelGateway.Open;

    public Func<string, IVipAddresses?> OpenVips { get; init; } = name => new VipAddresses(VipInterface.Open(name));

    /// <summary>The host's source NAT for the options given; null for none (tests).</summary>
    public Func<AgentOptions, ISourceNat?> OpenSourceNat { get; init; } = IptablesSourceNat.Create;

    public Func<CancellationToken, Task<KernelTable>> IpvsadmSave { get; init; } = cancellationToken => IpvsadmRunner.SaveAsync(cancellationToken: cancellationToken);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
