using System.Text;
using BenchmarkDotNet.Attributes;
using Ipvs.Agent.StaticServices;

namespace Ipvs.Benchmarks.Parsing;

/// <summary>
/// Reading a services file as <c>ipvs-agent apply --file</c> and the daemon do: the same shape lab-bench generates
/// (N services x 10 NAT servers, 80 bytes of YAML per server). Allocated bytes per service are the figure to watch:
/// under user-mode Linux the process's time follows the pages it touches.
/// </summary>
[MemoryDiagnoser]
public class StaticServicesFileBenchmarks
{
    private const int ServersPerService = 10;

    private string _path = string.Empty;

    [Params(1_000, 10_000)]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"ipvs-bench-services-{Environment.ProcessId}-{Services}.yaml");
        File.WriteAllText(_path, ServicesYaml(Services, ServersPerService));
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public int Load()
    {
        StaticServicesResult result = StaticServicesFile.Load(_path);
        return result.IsValid ? result.Declarations.Count : throw new InvalidOperationException(string.Join('\n', result.Errors));
    }

    /// <summary>YamlDotNet's events of the same file and nothing else: the floor of any reader built on that library.</summary>
    [Benchmark]
    public int YamlEventsOnly()
    {
        using var reader = new StreamReader(_path);
        var parser = new YamlDotNet.Core.Parser(reader);
        int events = 0;
        while (parser.MoveNext())
        {
            events++;
        }

        return events;
    }

    /// <summary>The file lab-bench-agent's <c>agent_services_file</c> writes.</summary>
    public static string ServicesYaml(int services, int serversPerService)
    {
        var yaml = new StringBuilder("services:\n");
        for (int i = 0; i < services; i++)
        {
            int vip = 0x0A010001 + i; // 10.1.0.1
            yaml.Append($"  - name: s{i}\n    vip: {vip >> 24 & 255}.{vip >> 16 & 255}.{vip >> 8 & 255}.{vip & 255}\n    port: 80\n    protocol: tcp\n    scheduler: rr\n    servers:\n");
            for (int j = 0; j < serversPerService; j++)
            {
                yaml.Append($"      - address: 10.200.0.{1 + j}:8080\n        method: nat\n        weight: 1\n");
            }
        }

        return yaml.ToString();
    }
}
