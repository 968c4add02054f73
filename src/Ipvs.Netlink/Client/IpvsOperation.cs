using Ipvs.Core.Model;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Netlink.Client;

public enum IpvsOperationKind
{
    AddService,
    UpdateService,
    DeleteService,
    AddDestination,
    UpdateDestination,
    DeleteDestination,
}

/// <summary>One change of a batch. Build with the factory methods.</summary>
public readonly record struct IpvsOperation
{
    private IpvsOperation(IpvsOperationKind kind, VirtualServiceKey serviceKey, VirtualService service, RealServer server)
    {
        Kind = kind;
        ServiceKey = serviceKey;
        Service = service;
        Server = server;
    }

    public IpvsOperationKind Kind { get; }

    public VirtualServiceKey ServiceKey { get; }

    /// <summary>The whole service, for <see cref="IpvsOperationKind.AddService"/> and <see cref="IpvsOperationKind.UpdateService"/>.</summary>
    public VirtualService Service { get; }

    /// <summary>The real server (only its key for <see cref="IpvsOperationKind.DeleteDestination"/>).</summary>
    public RealServer Server { get; }

    public static IpvsOperation AddService(in VirtualService service) => new(IpvsOperationKind.AddService, service.Key, service, default);

    public static IpvsOperation UpdateService(in VirtualService service) => new(IpvsOperationKind.UpdateService, service.Key, service, default);

    public static IpvsOperation DeleteService(in VirtualServiceKey key) => new(IpvsOperationKind.DeleteService, key, default, default);

    public static IpvsOperation AddDestination(in VirtualServiceKey key, in RealServer server) =>
        new(IpvsOperationKind.AddDestination, key, default, server);

    public static IpvsOperation UpdateDestination(in VirtualServiceKey key, in RealServer server) =>
        new(IpvsOperationKind.UpdateDestination, key, default, server);

    public static IpvsOperation DeleteDestination(in VirtualServiceKey key, in RealServerKey server) =>
        new(IpvsOperationKind.DeleteDestination, key, default, new RealServer(server.Address, server.Port, ForwardingMethod.Masquerade, 0));

    public override string ToString() => Kind switch
    {
        IpvsOperationKind.AddService => $"add service {ServiceKey} ({Service.Scheduler})",
        IpvsOperationKind.UpdateService => $"update service {ServiceKey} ({Service.Scheduler})",
        IpvsOperationKind.DeleteService => $"delete service {ServiceKey}",
        IpvsOperationKind.AddDestination => $"add real server {Server.Key} to {ServiceKey}",
        IpvsOperationKind.UpdateDestination => $"update real server {Server.Key} of {ServiceKey}",
        IpvsOperationKind.DeleteDestination => $"delete real server {Server.Key} from {ServiceKey}",
        _ => $"operation {Kind}",
    };
}

/// <summary>An operation of a batch that the kernel rejected.</summary>
public readonly record struct IpvsOperationFailure(int Index, IpvsOperation Operation, NetlinkException Error);

/// <summary>The outcome of a batch: not atomic, so every failure is listed and the rest took effect.</summary>
public sealed record IpvsBatchResult(int Count, IReadOnlyList<IpvsOperationFailure> Failures, int Datagrams, long Syscalls)
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
