using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;

namespace Ipvs.Core.Tests.Support;

/// <summary>Short ways to write keys, services, servers and tables in tests.</summary>
internal static class Build
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly DesiredSource StaticSource = DesiredSource.StaticFile("services.yaml", "web");

    public static readonly OwnershipPolicy Policy = new(
        [AddressBlock.Parse("10.99.0.0/24"), AddressBlock.Parse("fd00::/64")],
        [new FirewallMarkRange(1, 100)]);

    public static VirtualServiceKey Tcp(string vip, ushort port) => VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse(vip), port);

    public static VirtualServiceKey Udp(string vip, ushort port) => VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse(vip), port);

    public static VirtualService Service(VirtualServiceKey key, string scheduler = "wrr") => VirtualService.Create(key, scheduler);

    public static RealServer Server(string address, ushort port, int weight = 1, ForwardingMethod method = ForwardingMethod.Masquerade) =>
        new(NetAddress.Parse(address), port, method, weight);

    public static RealServerConnections Connections(uint active, uint inactive = 0) => new(active, inactive, 0);

    public static DesiredState Want(params (VirtualService Service, RealServer[] Servers)[] services) =>
        new DesiredStateMerger().Merge(1, services.Select(service => new ServiceDeclaration(StaticSource, service.Service, service.Servers))).State;

    public static KernelService InKernel(VirtualService service, params (RealServer Server, RealServerConnections Connections)[] servers) =>
        new(service, default, servers.Select(server => new KernelRealServer(server.Server, server.Connections)));

    public static KernelService InKernel(VirtualService service, params RealServer[] servers) =>
        new(service, default, servers.Select(server => new KernelRealServer(server, default)));

    public static KernelTable Table(params KernelService[] services) => KernelTable.Create(services);

    /// <summary>A record owning these services, each with the configuration <see cref="Service"/> gives it by default.</summary>
    public static OwnershipRecord Owning(params VirtualServiceKey[] keys) =>
        keys.Aggregate(OwnershipRecord.Empty, (record, key) => record.WithService(Service(key)));
}
