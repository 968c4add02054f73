using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// The netlink edge of reconciliation, and the one place where the planner's operations (with their source and reason,
/// for logs) become the client's lean <see cref="IpvsCommand"/> values (for batches of 100k without allocation).
/// </summary>
internal sealed class KernelGateway(IpvsClient client) : IKernelGateway
{
    public static KernelGateway Open() => new(IpvsClient.Open());

    public static KernelGateway OpenInNamespace(string namespacePath) => new(IpvsClient.OpenInNamespace(namespacePath));

    public IpvsClient Client => client;

    /// <summary>When set, told of the real-server deletions the kernel accepted (to delete their UDP flows' conntrack entries); owned.</summary>
    public UdpFlowCleanup? FlowCleanup { get; set; }

    /// <summary>
    /// Builds the table straight from the dump: 100k real servers are copied once, into their final dictionaries.
    /// An entry the client cannot decode goes to <see cref="KernelTable.Unreadable"/> instead of failing the read:
    /// one odd foreign service must not stop the agent from serving everything else. A service whose key was read is
    /// also in <see cref="KernelTable.UnreadableServices"/>, so that the planner sees the collision.
    /// </summary>
    public KernelTable ReadTable()
    {
        List<KernelService> services = [];
        List<KernelRealServer> scratch = [];
        List<string> unreadable = [];
        Dictionary<VirtualServiceKey, string>? unreadableServices = null;
        client.DumpAll(
            (in service, servers) =>
            {
                scratch.Clear();
                foreach (RealServerEntry server in servers)
                {
                    scratch.Add(new KernelRealServer(server.Server, server.Status.Connections));
                }

                services.Add(new KernelService(service.Service, service.Status, scratch));
            },
            problem =>
            {
                unreadable.Add(problem.Message);
                if (problem is IpvsServiceDecodeException { Service: { } key })
                {
                    (unreadableServices ??= [])[key] = problem.Message;
                }
            });
        return KernelTable.Create(services, unreadable, unreadableServices);
    }

    public ApplyOutcome Apply(IReadOnlyList<IpvsOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return ApplyOutcome.Nothing;
        }

        IpvsBatchResult result = client.Apply(new CommandView(operations));
        if (FlowCleanup is { } cleanup)
        {
            HashSet<int> refused = [.. result.Failures.Select(failure => failure.Index)];
            cleanup.ServersDeleted([.. operations.Where((operation, index) => operation.Kind == IpvsOperationKind.DeleteServer && !refused.Contains(index))]);
        }

        return new ApplyOutcome(
            result.Count,
            [.. result.Failures.Select(failure => new OperationFailure(operations[failure.Index], failure.Error.Message, failure.Error.Kind))],
            result.Datagrams);
    }

    public bool HasService(VirtualServiceKey key)
    {
        try
        {
            return client.GetService(key) is not null;
        }
        catch (Netlink.Wire.NetlinkDecodeException)
        {
            // There, though not in a form the model can hold.
            return true;
        }
    }

    public void Dispose()
    {
        FlowCleanup?.Dispose();
        client.Dispose();
    }

    internal static IpvsCommand ToCommand(IpvsOperation operation) => operation.Kind switch
    {
        IpvsOperationKind.AddService => IpvsCommand.AddService(operation.Service),
        IpvsOperationKind.UpdateService => IpvsCommand.UpdateService(operation.Service),
        IpvsOperationKind.DeleteService => IpvsCommand.DeleteService(operation.ServiceKey),
        IpvsOperationKind.AddServer => IpvsCommand.AddDestination(operation.ServiceKey, RequireServer(operation)),
        IpvsOperationKind.UpdateServer => IpvsCommand.UpdateDestination(operation.ServiceKey, RequireServer(operation)),
        IpvsOperationKind.DeleteServer => IpvsCommand.DeleteDestination(operation.ServiceKey, RequireServer(operation).Key),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "Unknown planned operation."),
    };

    private static Core.Model.RealServer RequireServer(IpvsOperation operation) =>
        operation.Server ?? throw new ArgumentException($"{operation.Kind} of {operation.ServiceKey} has no real server.", nameof(operation));

    /// <summary>
    /// The planned operations as the client's commands, each made when the client reads it (its checks, then its
    /// encoder): as an array, a 10k x 10 load from empty was 20 MB more on the large-object heap.
    /// </summary>
    private sealed class CommandView(IReadOnlyList<IpvsOperation> operations) : IReadOnlyList<IpvsCommand>
    {
        public int Count => operations.Count;

        public IpvsCommand this[int index] => ToCommand(operations[index]);

        public IEnumerator<IpvsCommand> GetEnumerator() => operations.Select(ToCommand).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
