using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Ipvs.Benchmarks.Support;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;

namespace Ipvs.Benchmarks.Planning;

/// <summary>The steady state of a big node: 10k owned services x 10 real servers, desired equals kernel. Target: under 50 ms.</summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private const int Services = 10_000;
    private const int ServersPerService = 10;

    private readonly Planner _planner = BenchmarkPlanner.Create();

    private DesiredState _desired = DesiredState.Empty;
    private KernelTable _kernel = KernelTable.Empty;
    private OwnershipRecord _ownership = OwnershipRecord.Empty;
    private HashSet<VirtualServiceKey> _oneService = [];

    [GlobalSetup]
    public void Setup()
    {
        List<ServiceDeclaration> declarations = StaticDeclarations.Create(Services, ServersPerService);
        List<KernelService> kernel = [.. declarations.Select(declaration =>
            new KernelService(declaration.Service, default, declaration.RealServers.Select(server => new KernelRealServer(server, default))))];

        _desired = new DesiredStateMerger().Merge(1, declarations).State;
        _kernel = KernelTable.Create(kernel);
        _ownership = new OwnershipRecord(_desired.Services.Keys.ToImmutableHashSet(), ImmutableDictionary<DrainKey, Drain>.Empty);
        _oneService = [declarations[Services / 2].Service.Key];
    }

    [Benchmark]
    public Plan PlanNoChanges_10kServicesX10Servers() => _planner.Plan(_desired, _kernel, _ownership, DateTimeOffset.UnixEpoch);

    /// <summary>A pass between resyncs after one service changed: only that service is planned.</summary>
    [Benchmark]
    public Plan PlanOneChangedService_10kServicesX10Servers() => _planner.Plan(_desired, _kernel, _ownership, DateTimeOffset.UnixEpoch, _oneService);
}
