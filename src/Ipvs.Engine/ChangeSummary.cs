using Ipvs.Core.Desired;
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
    private const int NamedSources = 5;

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

    /// <summary>
    /// "static file /etc/ipvs-agent/services.yaml 11000, container abc (web-1) 3": most changes first. A services file
    /// is one source (its services are not listed one by one), and past <see cref="NamedSources"/> sources the rest
    /// are counted: a thousand containers started at once make one readable line.
    /// </summary>
    public static string BySource(IEnumerable<IpvsOperation> operations)
    {
        // Counted by a value key, each source's text written once: a pass of 110k changes makes no string per change.
        // The agent's own changes (no source) count under a null kind.
        List<KeyValuePair<(DesiredSourceKind? Kind, string? Id, string? Name), int>> counts = [.. operations
            .CountBy(operation => operation.Source is { } source
                ? (source.Kind, source.Id, source.Kind == DesiredSourceKind.StaticFile ? null : source.Name)
                : ((DesiredSourceKind?)null, (string?)null, (string?)null))];
        IEnumerable<string> named = counts
            .Select(pair => (Text: pair.Key is { Kind: { } kind, Id: { } id } ? new DesiredSource(kind, id, pair.Key.Name).ToString() : "agent", Count: pair.Value))
            .OrderByDescending(pair => pair.Count)
            .ThenBy(pair => pair.Text, StringComparer.Ordinal)
            .Take(NamedSources)
            .Select(pair => $"{pair.Text} {pair.Count}");
        return counts.Count > NamedSources
            ? $"{string.Join(", ", named)} and {counts.Count - NamedSources} more sources"
            : string.Join(", ", named);
    }

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
