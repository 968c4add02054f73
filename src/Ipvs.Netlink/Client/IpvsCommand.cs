using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Netlink.Client;

public enum IpvsCommandKind
{
    AddService,
    UpdateService,
    DeleteService,
    AddDestination,
    UpdateDestination,
    DeleteDestination,
}

/// <summary>
/// One IPVS request of a batch (a NEW/SET/DEL service or destination command). A lean value, so a batch of 100k
/// allocates one array; the planner's <c>Ipvs.Core.Planning.IpvsOperation</c> carries the source and reason and maps onto it.
/// </summary>
public readonly record struct IpvsCommand
{
    private IpvsCommand(IpvsCommandKind kind, VirtualServiceKey serviceKey, VirtualService service, RealServer server)
    {
        Kind = kind;
        ServiceKey = serviceKey;
        Service = service;
        Server = server;
    }

    public IpvsCommandKind Kind { get; }

    public VirtualServiceKey ServiceKey { get; }

    /// <summary>The whole service, for <see cref="IpvsCommandKind.AddService"/> and <see cref="IpvsCommandKind.UpdateService"/>.</summary>
    public VirtualService Service { get; }

    /// <summary>The real server (only its key for <see cref="IpvsCommandKind.DeleteDestination"/>).</summary>
    public RealServer Server { get; }

    public static IpvsCommand AddService(in VirtualService service) => new(IpvsCommandKind.AddService, service.Key, service, default);

    public static IpvsCommand UpdateService(in VirtualService service) => new(IpvsCommandKind.UpdateService, service.Key, service, default);

    public static IpvsCommand DeleteService(in VirtualServiceKey key) => new(IpvsCommandKind.DeleteService, key, default, default);

    public static IpvsCommand AddDestination(in VirtualServiceKey key, in RealServer server) =>
        new(IpvsCommandKind.AddDestination, key, default, server);

    public static IpvsCommand UpdateDestination(in VirtualServiceKey key, in RealServer server) =>
        new(IpvsCommandKind.UpdateDestination, key, default, server);

    public static IpvsCommand DeleteDestination(in VirtualServiceKey key, in RealServerKey server) =>
        new(IpvsCommandKind.DeleteDestination, key, default, new RealServer(server.Address, server.Port, ForwardingMethod.Masquerade, 0));

    public override string ToString() => Kind switch
    {
        IpvsCommandKind.AddService => $"add service {ServiceKey} ({Service.Scheduler})",
        IpvsCommandKind.UpdateService => $"update service {ServiceKey} ({Service.Scheduler})",
        IpvsCommandKind.DeleteService => $"delete service {ServiceKey}",
        IpvsCommandKind.AddDestination => $"add real server {Server.Key} to {ServiceKey}",
        IpvsCommandKind.UpdateDestination => $"update real server {Server.Key} of {ServiceKey}",
        IpvsCommandKind.DeleteDestination => $"delete real server {Server.Key} from {ServiceKey}",
        _ => $"operation {Kind}",
    };
}

/// <summary>An operation of a batch that the kernel rejected.</summary>
public readonly record struct IpvsCommandFailure(int Index, IpvsCommand Operation, NetlinkException Error);

/// <summary>The outcome of a batch: not atomic, so every failure is listed and the rest took effect.</summary>
public sealed record IpvsBatchResult(int Count, IReadOnlyList<IpvsCommandFailure> Failures, int Datagrams, long Syscalls)
{
    public bool Succeeded => Failures.Count == 0;

    /// <summary>Throws an <see cref="AggregateException"/> of every failure, if there was any.</summary>
    public void ThrowIfFailed()
    {
        if (!Succeeded)
        {
            throw new AggregateException(
                $"{Failures.Count} of {Count} IPVS operations failed; first: {Failures[0].Error.Message}",
                Failures.Select(failure => failure.Error));
        }
    }
}

/// <summary>A virtual service with its real servers, as one read of the kernel table returns them.</summary>
public sealed record IpvsServiceSnapshot(ServiceEntry Service, IReadOnlyList<RealServerEntry> RealServers);
