using BenchmarkDotNet.Attributes;
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
        var file = DesiredSource.StaticFile("bench.yaml", "bench");
        var statics = new List<ServiceDeclaration>(Services);
        for (int i = 0; i < Services; i++)
        {
            var vip = NetAddress.FromBytes(IpFamily.V4, [10, 99, (byte)(i >> 8), (byte)i]);
            VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, vip, 80), "wrr");
            var servers = new RealServer[10];
            for (int j = 0; j < servers.Length; j++)
            {
                servers[j] = new RealServer(NetAddress.FromBytes(IpFamily.V4, [10, 1, (byte)j, 1]), 8080, ForwardingMethod.Masquerade, 1 + j);
            }

            statics.Add(new ServiceDeclaration(file, service, servers));
        }

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
