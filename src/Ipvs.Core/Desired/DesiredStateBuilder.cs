using Ipvs.Core.Model;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Desired;

/// <summary>The merged desired state and every disagreement found while merging.</summary>
public sealed record DesiredMergeResult(DesiredState State, IReadOnlyList<DeclarationConflict> Conflicts);

/// <summary>
/// Merges what every source declares into one <see cref="DesiredState"/>.
/// </summary>
/// <remarks>
/// Declarations of the same service from different sources merge their real servers. When a later declaration (in
/// the order given: put the static file first, then containers, then swarm) disagrees with the first one on a
/// service-level option (scheduler, flags, persistence, netmask, pe), the first stands and the later declaration is
/// dropped whole, real servers included, because those servers were meant for a differently configured service. A
/// real server declared twice with different settings keeps the first declaration. Every such case is reported:
/// there is never a silent last-writer-wins.
/// </remarks>
public static class DesiredStateBuilder
{
    public static DesiredMergeResult Merge(long revision, IEnumerable<ServiceDeclaration> declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        var services = new Dictionary<VirtualServiceKey, (VirtualService Service, DesiredSource Source, Dictionary<RealServerKey, DesiredRealServer> Servers)>();
        var conflicts = new List<DeclarationConflict>();

        foreach (ServiceDeclaration declaration in declarations)
        {
            VirtualServiceKey key = declaration.Service.Key;
            if (!services.TryGetValue(key, out var merged))
            {
                merged = (declaration.Service, declaration.Source, new Dictionary<RealServerKey, DesiredRealServer>());
                services.Add(key, merged);
            }
            else if (!merged.Service.SameConfiguration(declaration.Service))
            {
                string differences = string.Join(", ", ConfigDifference.Between(merged.Service, declaration.Service)
                    .Select(difference => $"{difference.Field} {difference.Left} from {merged.Source} but {difference.Right} from {declaration.Source}"));
                conflicts.Add(new DeclarationConflict(key, merged.Source, declaration.Source,
                    $"{key}: {differences}; keeping {merged.Source}, ignoring {declaration.Source} and its real servers"));
                continue;
            }

            foreach (RealServer server in declaration.RealServers)
            {
                if (!merged.Servers.TryGetValue(server.Key, out DesiredRealServer? existing))
                {
                    merged.Servers.Add(server.Key, new DesiredRealServer(server, declaration.Source));
                }
                else if (existing.Server != server)
                {
                    string differences = string.Join(", ", ConfigDifference.Between(existing.Server, server)
                        .Select(difference => $"{difference.Field} {difference.Left} from {existing.Source} but {difference.Right} from {declaration.Source}"));
                    conflicts.Add(new DeclarationConflict(key, existing.Source, declaration.Source,
                        $"{key}: real server {server.Key}: {differences}; keeping {existing.Source}"));
                }
            }
        }

        var state = services.ToDictionary(
            pair => pair.Key,
            pair => new DesiredService(pair.Value.Service, pair.Value.Source, pair.Value.Servers));
        return new DesiredMergeResult(new DesiredState(revision, state), conflicts);
    }
}
