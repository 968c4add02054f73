using BenchmarkDotNet.Running;
using Ipvs.Benchmarks.Lab;

namespace Ipvs.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        // lab-load runs inside the lab kernel and times real IPVS loads; everything else is BenchmarkDotNet.
        if (args is ["lab-load", .. var options])
        {
            return LabLoad.Run(options);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
