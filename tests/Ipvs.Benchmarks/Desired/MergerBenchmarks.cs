using BenchmarkDotNet.Attributes;
using Ipvs.Benchmarks.Support;
using Ipvs.Core.Desired;
using Ipvs.Core.Model;

namespace Ipvs.Benchmarks.Desired;

/// <summary>
/// The merge of an event pass: a big static file, unchanged, and one container's declaration that changed (a real
/// server added). What it allocates is what the pass after a Docker event pays before planning.
/// </summary>
[MemoryDiagnoser]
public class MergerBenchmarks
{
    [Params(1_000, 10_000)]
    public int Services { get; set; }

    private readonly DesiredStateMerger _merger = new();
    private List<ServiceDeclaration>[] _rounds = [];
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        List<ServiceDeclaration> statics = StaticDeclarations.Create(Services, 10);

        // Two container states, alternated so that every merge sees a changed declaration.
        VirtualService web = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.98.0.1"), 80), "rr");
        _rounds = [.. Enumerable.Range(1, 2).Select(count =>
        {
            var container = DesiredSource.Container("c", "web");
            var servers = Enumerable.Range(0, count).Select(j => new RealServer(NetAddress.FromBytes(IpFamily.V4, [172, 17, 0, (byte)(2 + j)]), 80, ForwardingMethod.Masquerade, 1)).ToArray();
            return new List<ServiceDeclaration>(statics) { new(container, web, servers) };
        })];
        _merger.Merge(0, _rounds[1]);
    }

    [Benchmark]
    public DesiredMergeResult MergeOneChangedContainer() => _merger.Merge(++_round, _rounds[_round & 1]);
}
