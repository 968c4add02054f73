using BenchmarkDotNet.Attributes;
using Ipvs.Agent.Reconciliation;
using Ipvs.Benchmarks.Support;
using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Core.Reconciling;

namespace Ipvs.Benchmarks.Planning;

/// <summary>
/// What the "plan" phase of <c>apply</c> from empty does with 10k services x 10 real servers, step by step: the
/// plan, the table it leads to, and the write-ahead journal of the services it creates.
/// </summary>
[MemoryDiagnoser]
public class FirstPassBenchmarks
{
    private const int Services = 10_000;
    private const int ServersPerService = 10;

    private readonly Planner _planner = BenchmarkPlanner.Create();

    private DesiredState _desired = DesiredState.Empty;
    private Plan _plan = null!;
    private OwnershipRecord _intent = OwnershipRecord.Empty;
    private string _stateDirectory = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _desired = new DesiredStateMerger().Merge(1, StaticDeclarations.Create(Services, ServersPerService)).State;
        _plan = PlanFromEmpty();
        _intent = ReconcileRules.Intent(OwnershipRecord.Empty, _plan.Operations)!;
        _stateDirectory = Directory.CreateTempSubdirectory("ipvs-bench-state-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_stateDirectory, recursive: true);

    [Benchmark]
    public Plan PlanFromEmpty() => _planner.Plan(_desired, KernelTable.Empty, OwnershipRecord.Empty, DateTimeOffset.UnixEpoch);

    [Benchmark]
    public KernelTable ProjectFromEmpty() => KernelTableProjection.Apply(KernelTable.Empty, _plan.Operations);

    [Benchmark]
    public OwnershipRecord? Intent() => ReconcileRules.Intent(OwnershipRecord.Empty, _plan.Operations);

    [Benchmark]
    public void SaveIntent() => new OwnershipStore(_stateDirectory).Save(_intent);
}
