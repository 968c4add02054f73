using BenchmarkDotNet.Attributes;
using Ipvs.Benchmarks.Lab;
using Ipvs.Benchmarks.Support;
using Ipvs.Netlink.Client;

namespace Ipvs.Benchmarks.Client;

/// <summary>
/// The client's side of a full read-back of 10k services x 10 real servers (the lab-bench row that must stay within
/// 1.5x of the C reference), against a replayed kernel: everything but the kernel's own work and the syscalls.
/// </summary>
[MemoryDiagnoser]
public class DumpBenchmarks : IDisposable
{
    private const int Services = 10_000;
    private const int ServersPerService = 10;

    private IpvsClient? _client;

    private IpvsClient Client => _client ?? throw new InvalidOperationException("Setup did not run.");

    [GlobalSetup]
    public void Setup() => _client = new IpvsClient(new NetlinkChannel(ReplayKernel.For(LabLoad.Table(Services, ServersPerService))));

    [GlobalCleanup]
    public void Dispose()
    {
        _client?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The one service dump: ~100 chunks of ~100 services.</summary>
    [Benchmark]
    public int ListServices_10kServices() => Client.ListServices().Count;

    /// <summary>The service dump and one real-server dump per service, as <c>lab-load --mode dump</c> times it.</summary>
    [Benchmark]
    public int ListAll_10kServicesX10Servers() => Client.ListAll().Count;
}
