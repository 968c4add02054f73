using Ipvs.Core.Kernel;
using Ipvs.Netlink.Client;
using PlannedOperation = Ipvs.Core.Planning.IpvsOperation;
using PlannedOperationKind = Ipvs.Core.Planning.IpvsOperationKind;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// The netlink edge of reconciliation, and the one place where the planner's operations become the client's: when
/// the two <c>IpvsOperation</c> types are unified, only <see cref="ToClientOperation"/> changes.
/// </summary>
internal sealed class KernelGateway(IpvsClient client) : IKernelGateway
{
    public static KernelGateway Open() => new(IpvsClient.Open());

    public static KernelGateway OpenInNamespace(string namespacePath) => new(IpvsClient.OpenInNamespace(namespacePath));

    public IpvsClient Client => client;

    public KernelTable ReadTable() => KernelTable.Create(client.ListAll().Select(snapshot => new KernelService(
        snapshot.Service.Service,
        snapshot.Service.Status,
        snapshot.RealServers.Select(server => new KernelRealServer(server.Server, server.Status)))));

    public ApplyOutcome Apply(IReadOnlyList<PlannedOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return ApplyOutcome.Nothing;
        }

        IpvsOperation[] translated = [.. operations.Select(ToClientOperation)];
        IpvsBatchResult result = client.Apply(translated);
        return new ApplyOutcome(
            result.Count,
            [.. result.Failures.Select(failure => new OperationFailure(operations[failure.Index], failure.Error.Message, failure.Error.Kind == NetlinkErrorKind.AlreadyExists))],
            result.Datagrams);
    }

    public void Dispose() => client.Dispose();

    internal static IpvsOperation ToClientOperation(PlannedOperation operation) => operation.Kind switch
    {
        PlannedOperationKind.AddService => IpvsOperation.AddService(operation.Service),
        PlannedOperationKind.UpdateService => IpvsOperation.UpdateService(operation.Service),
        PlannedOperationKind.DeleteService => IpvsOperation.DeleteService(operation.ServiceKey),
        PlannedOperationKind.AddServer => IpvsOperation.AddDestination(operation.ServiceKey, RequireServer(operation)),
        PlannedOperationKind.UpdateServer => IpvsOperation.UpdateDestination(operation.ServiceKey, RequireServer(operation)),
        PlannedOperationKind.DeleteServer => IpvsOperation.DeleteDestination(operation.ServiceKey, RequireServer(operation).Key),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "Unknown planned operation."),
    };

    private static Core.Model.RealServer RequireServer(PlannedOperation operation) =>
        operation.Server ?? throw new ArgumentException($"{operation.Kind} of {operation.ServiceKey} has no real server.", nameof(operation));
}
