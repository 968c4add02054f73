using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Engine.Tests.Support;

/// <summary>
/// An in-memory IPVS table that applies planned operations with the production model of the kernel's answers
/// (<see cref="KernelTableEdit"/>: EEXIST, ESRCH, ENOENT), plus hooks to reject, fail reads and miss services.
/// </summary>
internal sealed class FakeKernel : IKernelGateway
{
    private KernelTable _table = KernelTable.Empty;

    public int Reads { get; private set; }

    public List<IpvsOperation> Applied { get; } = [];

    /// <summary>Operations for which this returns an error are rejected with it (kind <see cref="KernelErrorKind.Other"/> unless it starts with an errno name).</summary>
    public Func<IpvsOperation, string?> Reject { get; set; } = _ => null;

    /// <summary>When set, <see cref="ReadTable"/> throws it (a failed dump).</summary>
    public Exception? ReadFailure { get; set; }

    /// <summary>Services the next <see cref="ReadTable"/> leaves out although they exist, as a kernel dump that a change crossed can.</summary>
    public HashSet<VirtualServiceKey> MissedByNextRead { get; } = [];

    /// <summary>Entries every read reports as undecodable (see <see cref="KernelTable.Unreadable"/>).</summary>
    public List<string> Unreadable { get; } = [];

    /// <summary>Of those, the services whose key could be read (see <see cref="KernelTable.UnreadableServices"/>).</summary>
    public Dictionary<VirtualServiceKey, string> UnreadableServices { get; } = [];

    public bool Disposed { get; private set; }

    public void AddService(VirtualService service, params RealServer[] servers) =>
        _table = _table.With(new Dictionary<VirtualServiceKey, KernelService?>
        {
            [service.Key] = new KernelService(service, default, servers.Select(server => new KernelRealServer(server, default))),
        });

    public void SetConnections(VirtualServiceKey service, RealServerKey server, uint active) =>
        Edit(edit => edit.SetConnections(service, server, new RealServerConnections(active, 0, 0)));

    public void Remove(VirtualServiceKey key) => _table = _table.With(new Dictionary<VirtualServiceKey, KernelService?> { [key] = null });

    public KernelTable ReadTable()
    {
        Reads++;
        if (ReadFailure is { } failure)
        {
            throw failure;
        }

        var missed = MissedByNextRead.ToHashSet();
        MissedByNextRead.Clear();
        return KernelTable.Create(_table.Services.Values.Where(service => !missed.Contains(service.Key)), [.. Unreadable], new Dictionary<VirtualServiceKey, string>(UnreadableServices));
    }

    public KernelService? Find(VirtualServiceKey key) => _table.TryGetService(key, out KernelService? service) ? service : null;

    public ApplyOutcome Apply(IReadOnlyList<IpvsOperation> operations)
    {
        var failures = new List<OperationFailure>();
        Edit(edit =>
        {
            foreach (IpvsOperation operation in operations)
            {
                if (Reject(operation) is { } error)
                {
                    failures.Add(new OperationFailure(operation, error, KindOf(operation, error)));
                }
                else if (edit.TryApply(operation) is { } refusal)
                {
                    failures.Add(new OperationFailure(operation, $"{refusal}: refused", refusal));
                }
                else
                {
                    Applied.Add(operation);
                }
            }
        });

        return new ApplyOutcome(operations.Count, failures, operations.Count == 0 ? 0 : 1);
    }

    public bool HasService(VirtualServiceKey key) => _table.TryGetService(key, out _);

    public void Dispose() => Disposed = true;

    /// <summary>A rejection text given by a test, classified by its errno name: ENOENT means "no such real server" only for real-server commands.</summary>
    private static KernelErrorKind KindOf(IpvsOperation operation, string error) =>
        error.StartsWith("EEXIST", StringComparison.Ordinal) ? KernelErrorKind.AlreadyExists
        : error.StartsWith("ESRCH", StringComparison.Ordinal) ? KernelErrorKind.NoSuchService
        : error.StartsWith("ENOENT", StringComparison.Ordinal) && operation.Server is not null ? KernelErrorKind.NoSuchServer
        : KernelErrorKind.Other;

    private void Edit(Action<KernelTableEdit> change)
    {
        var edit = new KernelTableEdit(_table);
        change(edit);
        _table = edit.ToTable();
    }
}
