using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Core.Desired;

/// <summary>
/// Merges what every source declares into one <see cref="DesiredState"/>, remembering its last result: a service
/// declared by exactly one declaration equal to last time's keeps last time's <see cref="DesiredService"/> instance.
/// Merging 10k unchanged services then allocates no real servers, and the planner can tell changed services by reference.
/// </summary>
/// <remarks>
/// Declarations of the same service from different sources merge their real servers. When a later declaration (in
/// the order given: put the static file first, then containers, then swarm) disagrees with the first one on a
/// service-level option (scheduler, flags, persistence, netmask, pe), the first stands and the later declaration is
/// dropped whole, real servers included, because those servers were meant for a differently configured service. A
/// real server declared twice with different settings keeps the first declaration. Every such case is reported:
/// there is never a silent last-writer-wins.
/// Not thread-safe: one merger per caller.
/// </remarks>
public sealed class DesiredStateMerger
{
    private Dictionary<VirtualServiceKey, (ServiceDeclaration Declaration, DesiredService Service)> _reusable = [];

    public DesiredMergeResult Merge(long revision, IEnumerable<ServiceDeclaration> declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        IReadOnlyList<ServiceDeclaration> ordered = declarations as IReadOnlyList<ServiceDeclaration> ?? [.. declarations];
        var declarationCounts = new Dictionary<VirtualServiceKey, int>(ordered.Count);
        foreach (ServiceDeclaration declaration in ordered)
        {
            declarationCounts[declaration.Service.Key] = declarationCounts.GetValueOrDefault(declaration.Service.Key) + 1;
        }

        // First appearance order, as before; merged entries are filled in as later declarations arrive.
        var merging = new Dictionary<VirtualServiceKey, MergingService>(declarationCounts.Count);
        var reusable = new Dictionary<VirtualServiceKey, (ServiceDeclaration Declaration, DesiredService Service)>(declarationCounts.Count);
        var conflicts = new List<DeclarationConflict>();
        foreach (ServiceDeclaration declaration in ordered)
        {
            VirtualServiceKey key = declaration.Service.Key;
            if (declarationCounts[key] == 1
                && _reusable.TryGetValue(key, out var previous)
                && previous.Declaration.SameAs(declaration))
            {
                merging.Add(key, new MergingService(declaration.Service, declaration.Source, previous.Service));
                reusable.Add(key, previous);
                continue;
            }

            if (!merging.TryGetValue(key, out MergingService? merged))
            {
                merged = new MergingService(declaration.Service, declaration.Source, null, declaration.RealServers.Count) { Fallback = declaration.Fallback };
                merging.Add(key, merged);
            }
            else if (!merged.Service.SameConfiguration(declaration.Service))
            {
                string differences = string.Join(", ", ConfigDifference.Between(merged.Service, declaration.Service)
                    .Select(difference => $"{difference.Field} {difference.Left} from {merged.Source} but {difference.Right} from {declaration.Source}"));
                conflicts.Add(new DeclarationConflict(key, merged.Source, declaration.Source,
                    $"{key}: {differences}; keeping {merged.Source}, ignoring {declaration.Source} and its real servers"));
                continue;
            }

            if (declaration.Name is { } name && !merged.Names.Contains(name))
            {
                merged.Names.Add(name);
            }

            int conflictsBefore = conflicts.Count;
            if (declaration.Fallback is { } fallback && merged.Fallback != fallback)
            {
                if (merged.Fallback is { } kept)
                {
                    conflicts.Add(new DeclarationConflict(key, merged.Source, declaration.Source,
                        $"{key}: fallback {kept.Key} from {merged.Source} but {fallback.Key} from {declaration.Source}; keeping {merged.Source}'s"));
                }
                else
                {
                    merged.Fallback = fallback;
                }
            }

            foreach (RealServer server in declaration.RealServers)
            {
                HealthCheck? check = declaration.CheckFor(server.Key);
                if (!merged.Servers.TryGetValue(server.Key, out DesiredRealServer? existing))
                {
                    merged.Servers.Add(server.Key, new DesiredRealServer(server, declaration.Source, check));
                }
                else if (existing.Server != server)
                {
                    string differences = string.Join(", ", ConfigDifference.Between(existing.Server, server)
                        .Select(difference => $"{difference.Field} {difference.Left} from {existing.Source} but {difference.Right} from {declaration.Source}"));
                    conflicts.Add(new DeclarationConflict(key, existing.Source, declaration.Source,
                        $"{key}: real server {server.Key}: {differences}; keeping {existing.Source}"));
                }
                else if (!Equals(existing.Check, check))
                {
                    conflicts.Add(new DeclarationConflict(key, existing.Source, declaration.Source,
                        $"{key}: real server {server.Key}: checked otherwise by {declaration.Source} than by {existing.Source}; keeping {existing.Source}'s check"));
                }
            }

            // A declaration with conflicts inside is merged afresh every time, so its conflicts are reported every time.
            if (declarationCounts[key] == 1 && conflicts.Count == conflictsBefore)
            {
                merged.Built = new DesiredService(merged.Service, merged.Source, merged.Servers, merged.Names, merged.Fallback);
                reusable.Add(key, (declaration, merged.Built));
            }
        }

        var state = new Dictionary<VirtualServiceKey, DesiredService>(merging.Count);
        foreach ((VirtualServiceKey key, MergingService merged) in merging)
        {
            state.Add(key, merged.Built ?? new DesiredService(merged.Service, merged.Source, merged.Servers, merged.Names, merged.Fallback));
        }

        _reusable = reusable;
        return new DesiredMergeResult(new DesiredState(revision, state), conflicts);
    }

    /// <summary>One service while its declarations are merged; <see cref="Built"/> once it is final.</summary>
    private sealed class MergingService(VirtualService service, DesiredSource source, DesiredService? built, int expectedServers = 0)
    {
        private Dictionary<RealServerKey, DesiredRealServer>? _servers;

        public VirtualService Service { get; } = service;

        public DesiredSource Source { get; } = source;

        public Dictionary<RealServerKey, DesiredRealServer> Servers => _servers ??= new(expectedServers);

        public DesiredService? Built { get; set; } = built;

        public List<string> Names { get; } = [];

        public RealServer? Fallback { get; set; }
    }
}
