using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Engine;

/// <summary>
/// How a pass's changes are told to an operator. Up to <see cref="Threshold"/> changes, one line each; above it (a
/// first load, a large file edit) a summary: counts by kind and by source, the services touched, a few examples, and
/// every change only at debug level (and in <c>--output json</c>). Ten thousand lines are read by nobody and cost a
/// write each.
/// </summary>
internal static class ChangeSummary
{
    /// <summary>
    /// The largest pass told line by line: ten services of ten real servers with room to spare, so deploys and drains
    /// keep their one line per change; a thousand-service load is summarised.
    /// </summary>
    public const int Threshold = 100;

    private const int ExampleCount = 5;
    private const int NamedServices = 3;

    public static bool IsLarge(int changes) => changes > Threshold;

    /// <summary>"1000 services added, 10000 real servers added", in the order of <see cref="IpvsOperationKind"/>.</summary>
    public static string ByKind(IEnumerable<IpvsOperation> operations)
    {
        var counts = new int[Enum.GetValues<IpvsOperationKind>().Length];
        foreach (IpvsOperation operation in operations)
        {
            counts[(int)operation.Kind]++;
        }

        return string.Join(", ", Enum.GetValues<IpvsOperationKind>().Where(kind => counts[(int)kind] > 0).Select(kind => KindText(kind, counts[(int)kind])));
    }

    /// <summary>"static file /etc/ipvs-agent/services.yaml 11000, docker 3": most changes first.</summary>
    public static string BySource(IEnumerable<IpvsOperation> operations) => string.Join(", ", operations
        .CountBy(operation => operation.Source?.ToString() ?? "agent")
        .OrderByDescending(pair => pair.Value)
        .ThenBy(pair => pair.Key, StringComparer.Ordinal)
        .Select(pair => $"{pair.Key} {pair.Value}"));

    /// <summary>"1000 services (TCP 10.1.0.1:80, TCP 10.1.0.2:80, TCP 10.1.0.3:80 and 997 more)".</summary>
    public static string ServicesTouched(IEnumerable<IpvsOperation> operations)
    {
        List<VirtualServiceKey> services = [.. operations.Select(operation => operation.ServiceKey).Distinct()];
        string named = string.Join(", ", services.Take(NamedServices));
        string more = services.Count > NamedServices ? $" and {services.Count - NamedServices} more" : string.Empty;
        return $"{services.Count} {(services.Count == 1 ? "service" : "services")} ({named}{more})";
    }

    /// <summary>A few changes to show: the first of each kind, then the first ones, in plan order.</summary>
    public static IReadOnlyList<IpvsOperation> Examples(IReadOnlyList<IpvsOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var chosen = new HashSet<IpvsOperation>(ReferenceEqualityComparer.Instance);
        foreach (IpvsOperation operation in operations.DistinctBy(operation => operation.Kind).Take(ExampleCount))
        {
            chosen.Add(operation);
        }

        foreach (IpvsOperation operation in operations.TakeWhile(_ => chosen.Count < ExampleCount))
        {
            chosen.Add(operation);
        }

        return [.. operations.Where(chosen.Contains)];
    }

    private static string KindText(IpvsOperationKind kind, int count)
    {
        string noun = kind is IpvsOperationKind.AddService or IpvsOperationKind.UpdateService or IpvsOperationKind.DeleteService ? "service" : "real server";
        string verb = kind switch
        {
            IpvsOperationKind.AddService or IpvsOperationKind.AddServer => "added",
            IpvsOperationKind.UpdateService or IpvsOperationKind.UpdateServer => "changed",
            _ => "removed",
        };
        return $"{count} {noun}{(count == 1 ? string.Empty : "s")} {verb}";
    }
}
