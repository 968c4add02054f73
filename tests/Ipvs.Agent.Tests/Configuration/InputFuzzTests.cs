using System.Text;
using System.Text.RegularExpressions;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Health;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.StaticServices;
using Ipvs.Agent.Tests.Health;
using Ipvs.Agent.Tests.Reconciliation;
using Ipvs.Agent.Tests.Support;
using Ipvs.Core.Draining;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Configuration;

/// <summary>
/// Every file the agent reads (config, services, journal, drains), fed mutated and hostile inputs: the only outcomes
/// allowed are a good read or a clear error naming the file (and the line, for YAML); never a crash, a hang or a
/// balloon.
/// </summary>
public sealed partial class InputFuzzTests : IDisposable
{
    private const int Inputs = 10_000;

    private const string ConfigSeed = """
        allowedVipCidrs: [10.99.0.0/16, fd00::/64]
        allowedFwmarks: [1-1000]
        servicesFile: /etc/ipvs-agent/services.yaml
        docker: true
        dockerHost: unix:///var/run/docker.sock
        nodeAddress: 192.168.56.11
        resyncInterval: 10s
        minInterval: 200ms
        drainTimeout: 5m
        interface: ipvs0
        stateDir: /var/lib/ipvs-agent
        metricsAddress: "[::1]:9469"
        logFormat: text
        logLevel: info
        """;

    private const string ServicesSeed = """
        services:
          - name: web
            vip: 10.99.0.10
            port: 80
            protocol: tcp
            scheduler: wrr
            persistence: 300
            netmask: 24
            servers:
              - address: 10.1.1.2:8080
                weight: 3
                method: nat
                upper-threshold: 100
                lower-threshold: 50
              - address: 10.1.1.3:80
                method: tun
                tunnel-type: gue
                tunnel-port: 6080
                tunnel-checksum: remcsum
          - name: marks
            fwmark: 7
            family: ipv6
            scheduler: sh
            flags: [sh-port]
            servers:
              - address: "[fd00::2]"
                method: dr
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-fuzz-").FullName;

    private static string JournalSeed()
    {
        DateTimeOffset now = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);
        // With a pending creation (the write-ahead part, every configuration field set), so mutations reach its reader too.
        VirtualService pending = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.99.0.11"), 5060), "sh") with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 60, NetmaskPrefix = 24, PersistenceEngine = "sip" };
        OwnershipRecord record = OwnershipRecord.Empty.WithService(Service("10.99.0.10")).WithService(VirtualService.Create(KeyText.ParseServiceKey("FWM 7 IPv6"), "rr"))
            .WithDrain(new DrainPolicy(TimeSpan.FromMinutes(5)).Start(Tcp("10.99.0.10"), Server("10.1.1.2").Key, now))
            .WithPending([pending]);
        return OwnershipJournal.Serialize(record);
    }

    private const string DrainsSeed = """
        [
          {"service": "TCP 10.99.0.10:80", "requestedAt": "2026-12-04T03:00:00+00:00"},
          {"server": "[fd00::2]:8080", "service": "UDP [fd00::10]:53"},
          {"server": "10.1.1.2:8080"}
        ]
        """;

    [GeneratedRegex(@"^config\.yaml:\d+: ")]
    private static partial Regex ConfigLine();

    [GeneratedRegex(@"^services\.yaml:\d+: ")]
    private static partial Regex ServicesLine();

    /// <param name="name">The reader, for the messages.</param>
    /// <param name="seed">A good file to mutate.</param>
    /// <param name="read">Reads an input: true when it was read, false when refused with a clear error (asserted inside).</param>
    private static void Fuzz(string name, string seed, Func<string, bool> read)
    {
        var mutator = new Mutator(seed.Length);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Inputs; i++)
        {
            string input = mutator.Mutate(seed);
            try
            {
                if (read(input))
                {
                    outcomes["read"] = outcomes.GetValueOrDefault("read") + 1;
                }
            }
            catch (Xunit.Sdk.XunitException)
            {
                throw;
            }
            catch (Exception exception)
            {
                Assert.Fail($"{name} input {i} threw {exception}\n--- input ---\n{input}");
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{name}: {Inputs} mutated inputs, {outcomes.GetValueOrDefault("read")} read, {Inputs - outcomes.GetValueOrDefault("read")} refused with a clear error");
    }

    private AgentOptions? LoadConfig(string yaml)
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            return AgentConfiguration.Load(path, new System.Collections.Hashtable(), []);
        }
        catch (ConfigurationException exception)
        {
            Assert.All(exception.Problems, problem => Assert.Matches(ConfigLine(), problem));
            return null;
        }
    }

    private static bool ParseServices(string yaml)
    {
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", yaml);
        Assert.All(result.Errors, error => Assert.Matches(ServicesLine(), error));
        return result.IsValid;
    }

    /// <summary>True when <paramref name="read"/> read the input; false when it refused it with an error that starts by naming the file.</summary>
    private static bool ReadOrErrorNaming(string file, Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (FormatException exception)
        {
            Assert.StartsWith(file, exception.Message, StringComparison.Ordinal);
            return false;
        }
    }

    private static bool ParseJournal(string json) => ReadOrErrorNaming("Ownership journal", () => OwnershipJournal.Deserialize(json));

    private static string HealthSeed() => HealthStateFile.Serialize(
        [HealthStateFileTests.Down(HealthStateFileTests.Web, new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero)),
         HealthStateFileTests.Unchecked(HealthStateFileTests.WebV6, new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero))],
        new DateTimeOffset(2026, 12, 4, 15, 0, 1, TimeSpan.Zero));

    private static bool ParseHealth(string json) => ReadOrErrorNaming("/state/health.json", () => HealthStateFile.Parse("/state/health.json", json));

    private static bool ParseDrains(string json) => ReadOrErrorNaming("/state/drains.json", () => ManualDrainStore.ParseFile("/state/drains.json", json));

    [Fact]
    public void ConfigFile_MutatedInputs_ReadOrClearError() => Fuzz("config", ConfigSeed, yaml => LoadConfig(yaml) is not null);

    [Fact]
    public void ServicesFile_MutatedInputs_ReadOrClearError() => Fuzz("services", ServicesSeed, ParseServices);

    [Fact]
    public void Journal_MutatedInputs_ReadOrClearError() => Fuzz("journal", JournalSeed(), ParseJournal);

    [Fact]
    public void DrainsFile_MutatedInputs_ReadOrClearError() => Fuzz("drains", DrainsSeed, ParseDrains);

    [Fact]
    public void HealthFile_MutatedInputs_ReadOrClearError() => Fuzz("health", HealthSeed(), ParseHealth);

    [Fact]
    public void Seeds_AreGoodFiles()
    {
        Assert.NotNull(LoadConfig(ConfigSeed));
        Assert.True(StaticServicesFile.Parse("services.yaml", ServicesSeed).IsValid);
        Assert.Equal(2, OwnershipJournal.Deserialize(JournalSeed()).Services.Count);
        Assert.Single(OwnershipJournal.Deserialize(JournalSeed()).Pending);
        Assert.Equal(2, HealthStateFile.Parse("/state/health.json", HealthSeed()).Targets.Count);
        Assert.Equal(3, ManualDrainStore.ParseFile("drains.json", DrainsSeed).Count);
    }

    public static TheoryData<string, string, int> HostileYaml => new()
    {
        { "flow nesting 50,000 deep", new string('[', 50_000) + new string(']', 50_000), 1 },
        { "block nesting 50,000 deep", "services:\n  " + string.Concat(Enumerable.Repeat("- ", 50_000)) + "x\n", 2 },
        { "mapping nesting 50,000 deep", "services: " + string.Concat(Enumerable.Repeat("{a: ", 50_000)) + "x" + new string('}', 50_000) + "\n", 1 },
        { "alias bomb", AliasBomb(), 0 },
        { "second document", "services: []\n---\nservices: []\n", 2 },
    };

    private static string AliasBomb()
    {
        var text = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char level = 'b'; level <= 'k'; level++)
        {
            char previous = (char)(level - 1);
            text.Append(CultureInvariant($"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
        }

        return text.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    [Theory]
    [MemberData(nameof(HostileYaml))]
    public void ServicesFile_HostileYaml_ClearErrorNamingFileAndLine(string what, string yaml, int line)
    {
        long before = GC.GetTotalAllocatedBytes();
        StaticServicesResult result = StaticServicesFile.Parse("services.yaml", yaml);
        long allocated = GC.GetTotalAllocatedBytes() - before;

        string error = Assert.Single(result.Errors);
        Assert.Matches(ServicesLine(), error);
        if (line > 0)
        {
            Assert.StartsWith($"services.yaml:{line}: ", error, StringComparison.Ordinal);
        }

        TestContext.Current.SendDiagnosticMessage($"services file, {what} ({yaml.Length} bytes): {allocated / 1024} KiB allocated; {error[..Math.Min(error.Length, 160)]}");
    }

    [Theory]
    [MemberData(nameof(HostileYaml))]
    public void ConfigFile_HostileYaml_ClearErrorNamingFileAndLine(string what, string yaml, int line)
    {
        _ = what;
        _ = line;
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new System.Collections.Hashtable(), []));

        Assert.All(error.Problems, problem => Assert.Matches(ConfigLine(), problem));
    }

    [Theory]
    [InlineData("[")]
    [InlineData("{\"a\":")]
    public void JsonReaders_NestedFiftyThousandDeep_ClearError(string opening)
    {
        string json = string.Concat(Enumerable.Repeat(opening, 50_000));

        Assert.StartsWith("/state/drains.json", Assert.Throws<FormatException>(() => ManualDrainStore.ParseFile("/state/drains.json", json)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Ownership journal", Assert.Throws<FormatException>(() => OwnershipJournal.Deserialize(json)).Message, StringComparison.Ordinal);
        Assert.StartsWith("/state/health.json", Assert.Throws<FormatException>(() => HealthStateFile.Parse("/state/health.json", json)).Message, StringComparison.Ordinal);
    }

    /// <summary>A FIFO would block the open until a writer comes, /dev/zero never ends, a directory is no file: each is refused by name.</summary>
    [Theory]
    [InlineData("fifo", "not a regular file (a FIFO)")]
    [InlineData("/dev/zero", "not a regular file (a character device)")]
    [InlineData("directory", "not a regular file (a directory)")]
    public void EveryReader_SpecialFile_ClearErrorNotAHang(string kind, string expected)
    {
        string path = kind switch
        {
            "fifo" => Path.Combine(_directory, "fifo"),
            "directory" => Directory.CreateDirectory(Path.Combine(_directory, "directory")).FullName,
            _ => kind,
        };
        if (kind == "fifo" && !ManualDrainsTests.MakeFifo(path))
        {
            Assert.Skip("mkfifo is not available");
        }

        var config = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new System.Collections.Hashtable(), []));
        StaticServicesResult services = StaticServicesFile.Load(path);
        FormatException journal = Assert.Throws<FormatException>(() => InputFile.ReadAllText(path, InputFile.JournalLimit));

        Assert.Contains(expected, Assert.Single(config.Problems), StringComparison.Ordinal);
        Assert.Contains(expected, Assert.Single(services.Errors), StringComparison.Ordinal);
        Assert.StartsWith(path, journal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputFile_LargerThanTheLimit_ClearError()
    {
        string path = Path.Combine(_directory, "big.yaml");
        File.WriteAllText(path, new string('#', 2_000_000));

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new System.Collections.Hashtable(), []));

        Assert.Equal($"{path}: larger than the limit of {InputFile.ConfigLimit} bytes", Assert.Single(error.Problems));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
