using Ipvs.Core.Desired;
using Ipvs.Core.Model;

namespace Ipvs.Core.Planning;

public enum IpvsOperationKind
{
    AddService,
    UpdateService,
    DeleteService,
    AddServer,
    UpdateServer,
    DeleteServer,
}

/// <summary>One change to make in the kernel, with who asked for it and why, in plain words for the log.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Service">The service: its full desired configuration for adds and updates, the kernel's for deletes and server operations on services being retired.</param>
/// <param name="Server">The real server, for server operations: the configuration to set (adds, updates) or the kernel's (deletes).</param>
/// <param name="Source">Who asked for it; null when the agent acts on its own (drift repair of things nobody wants any more, drains).</param>
/// <param name="Reason">Why: <c>weight 1 -> 3</c>, <c>recreated: missing from the kernel</c>, <c>drained: no connections left</c>.</param>
public sealed record IpvsOperation(IpvsOperationKind Kind, VirtualService Service, RealServer? Server, DesiredSource? Source, string Reason)
{
    public VirtualServiceKey ServiceKey => Service.Key;

    public bool IsServiceOperation => Kind is IpvsOperationKind.AddService or IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService;

    public override string ToString()
    {
        string subject = Server is { } server ? $"{Service.Key} real server {server.Key}" : Service.Key.ToString();
        string source = Source is null ? string.Empty : $" (for {Source})";
        return $"{Kind} {subject}: {Reason}{source}";
    }
}
