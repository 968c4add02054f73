using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Engine.Tests.Support;

/// <summary>Small builders for services, servers and sources used across the agent tests.</summary>
internal static class Services
{
    public static readonly OwnershipPolicy Policy = new([AddressBlock.Parse("10.99.0.0/24")], [new FirewallMarkRange(1, 100)]);

    public static VirtualServiceKey Tcp(string vip, ushort port = 80) => VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse(vip), port);

    public static VirtualService Service(string vip, ushort port = 80, string scheduler = "wlc") => VirtualService.Create(Tcp(vip, port), scheduler);

    public static RealServer Server(string address, ushort port = 8080, int weight = 1) =>
        new(NetAddress.Parse(address), port, ForwardingMethod.Masquerade, weight);

    public static ServiceDeclaration Declare(VirtualService service, params RealServer[] servers) =>
        new(DesiredSource.StaticFile("/etc/ipvs-agent/services.yaml", "web"), service, servers);

    public static FixedTestSource Source(params ServiceDeclaration[] declarations) => new(new SourceSnapshot(declarations, []));
}

/// <summary>A source whose snapshot the test sets (null = not read yet).</summary>
internal sealed class FixedTestSource(SourceSnapshot? snapshot) : IDesiredSource
{
    public string Name => "test source";

    public SourceSnapshot? Current { get; set; } = snapshot;

    public Task RunAsync(Action changed, CancellationToken cancellationToken) => Task.CompletedTask;
}
