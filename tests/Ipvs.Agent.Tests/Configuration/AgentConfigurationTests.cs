using System.Collections;
using Ipvs.Agent.Configuration;
using Ipvs.Core.Timing;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class AgentConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-config-").FullName;

    private string WriteConfig(string yaml)
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Hashtable Environment(params (string Name, string Value)[] variables)
    {
        var table = new Hashtable();
        foreach ((string name, string value) in variables)
        {
            table[name] = value;
        }

        return table;
    }

    [Fact]
    public void Load_NothingGiven_UsesDefaults()
    {
        AgentOptions options = AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), []);

        Assert.Equal(TimeSpan.FromSeconds(10), options.ResyncInterval);
        Assert.Equal("ipvs0", options.Interface);
        Assert.Equal("127.0.0.1:9469", options.MetricsAddress);
        Assert.True(options.DockerEnabled);
    }

    [Fact]
    public void Load_FileEnvironmentAndFlags_LaterLayersWin()
    {
        string path = WriteConfig("""
            resyncInterval: 30s
            drainTimeout: 1m
            interface: vips0
            stateDir: /tmp/from-file
            """);

        AgentOptions options = AgentConfiguration.Load(path, Environment(("IPVS_AGENT_RESYNC_INTERVAL", "20s"), ("IPVS_AGENT_DRAINTIMEOUT", "2m")), [new FlagValue(ConfigurationKeys.ResyncInterval, "5s", "--resync-interval")]);

        Assert.Equal(TimeSpan.FromSeconds(5), options.ResyncInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), options.DrainTimeout);
        Assert.Equal("vips0", options.Interface);
        Assert.Equal("/tmp/from-file", options.StateDir);
        Assert.Equal(Path.GetFullPath(path), options.ConfigFile);
    }

    [Fact]
    public void Load_ListInFileAndFlags_FlagsReplaceTheWholeList()
    {
        string path = WriteConfig("""
            allowedVipCidrs: [10.99.0.0/24, 10.98.0.0/24, 10.97.0.0/24]
            allowedFwmarks: ["1-1000"]
            """);

        AgentOptions options = AgentConfiguration.Load(path, Environment(), [new FlagValue(ConfigurationKeys.AllowedVipCidrs, "192.168.5.0/24", "--allowed-vip-cidr")]);

        Assert.Equal("192.168.5.0/24", Assert.Single(options.AllowedVipCidrs).ToString());
        Assert.Equal("1-1000", Assert.Single(options.AllowedFwmarks).ToString());
    }

    [Fact]
    public void Load_BadDurationInFile_ErrorNamesFileKeyAndValue()
    {
        string path = WriteConfig("resyncInterval: fast\n");

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, Environment(), []));

        Assert.Equal("config.yaml:1: resyncInterval: \"fast\" is not a duration like 10s or 1m", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_SwarmManagerNotAUri_ErrorNamesFileKeyAndValue()
    {
        string path = WriteConfig("swarmManager: manager:2375\n");

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, Environment(), []));

        Assert.Equal("config.yaml:1: swarmManager: \"manager:2375\" is not a unix://, tcp:// or http(s):// URI", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_SwarmManagerUri_IsKept()
    {
        // TCP without TLS is refused unless allowed explicitly (DockerConnectionsTests): allowed here, the URI is kept.
        AgentOptions options = AgentConfiguration.Load(WriteConfig("swarmManager: tcp://10.0.0.1:2375\ndockerAllowInsecureTcp: true\n"), Environment(), []);

        Assert.Equal("tcp://10.0.0.1:2375", options.SwarmManager);
        Assert.Equal(new Uri("tcp://10.0.0.1:2375"), options.SwarmManagerConnection!.Endpoint);
    }

    [Fact]
    public void Load_BadValueFromEnvironment_ErrorNamesTheVariable()
    {
        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, Environment(("IPVS_AGENT_ALLOWED_VIP_CIDRS", "10.99.0.0/33")), []));

        Assert.Equal("IPVS_AGENT_ALLOWED_VIP_CIDRS: \"10.99.0.0/33\" is not an address block such as 10.99.0.0/24 or fd00::/64", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_UnknownKeyAndSeveralBadValues_ReportsEveryProblem()
    {
        string path = WriteConfig("""
            resyncIntervall: 10s
            logFormat: xml
            metricsAddress: localhost
            docker: maybe
            """);

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, Environment(), [new FlagValue(ConfigurationKeys.MinInterval, "soon", "--min-interval")]));

        Assert.Equal(5, error.Problems.Count);
        Assert.Contains(error.Problems, problem => problem.StartsWith("config.yaml:1: resyncIntervall: unknown key", StringComparison.Ordinal));
        Assert.Contains(error.Problems, problem => problem == "--min-interval: \"soon\" is not a duration like 10s or 1m");
        Assert.Contains(error.Problems, problem => problem.Contains("logFormat: \"xml\" is not text or json", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ExplicitConfigMissing_IsAnError()
    {
        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(Path.Combine(_directory, "absent.yaml"), Environment(), []));

        Assert.Contains("config file not found", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    public void TryParse_Durations_ReadsThem(string text, int milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
        Assert.True(DurationText.TryParse(DurationText.Format(duration), out TimeSpan again));
        Assert.Equal(duration, again);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("10")]
    [InlineData("10 parsecs")]
    [InlineData("")]
    public void TryParse_NotDurations_Fails(string text) => Assert.False(DurationText.TryParse(text, out _));

    public static TheoryData<string, string> TooLongDurations()
    {
        var data = new TheoryData<string, string>();
        foreach (string key in new[] { ConfigurationKeys.ResyncInterval, ConfigurationKeys.MinInterval, ConfigurationKeys.DrainTimeout })
        {
            foreach (string value in new[] { "99999999999h", "80000000h", "1177h", "1" + new string('9', 400) + "ms" })
            {
                data.Add(key, value);
            }
        }

        return data;
    }

    /// <summary>Flag, variable and key alike: a duration beyond what timers can wait is a configuration error naming the key and the bound, never an OverflowException.</summary>
    [Theory]
    [MemberData(nameof(TooLongDurations))]
    public void Load_DurationBeyondTheMaximum_ErrorNamesKeyAndBound(string key, string value)
    {
        string path = WriteConfig($"{key}: {value}\n");
        string variable = "IPVS_AGENT_" + key.ToUpperInvariant();

        var fromFile = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, Environment(), []));
        var fromVariable = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty), (variable, value)), []));
        var fromFlag = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), [new FlagValue(key, value, "--flag")]));

        Assert.Equal($"config.yaml:1: {key}: \"{value}\" is longer than the maximum 1176h (49 days)", Assert.Single(fromFile.Problems));
        Assert.Equal($"{variable}: \"{value}\" is longer than the maximum 1176h (49 days)", Assert.Single(fromVariable.Problems));
        Assert.Equal($"--flag: \"{value}\" is longer than the maximum 1176h (49 days)", Assert.Single(fromFlag.Problems));
    }

    [Fact]
    public void Load_DurationAtTheMaximum_IsAccepted()
    {
        AgentOptions options = AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), [new FlagValue(ConfigurationKeys.DrainTimeout, "1176h", "--drain-timeout")]);

        Assert.Equal(DurationText.Maximum, options.DrainTimeout);
    }

    [Theory]
    [InlineData("[::1]:9469", "[::1]:9469")]
    [InlineData("127.0.0.1:9469", "127.0.0.1:9469")]
    [InlineData("0.0.0.0:9100", "0.0.0.0:9100")]
    [InlineData("[FD00:0::1]:9469", "[fd00::1]:9469")]
    public void Load_MetricsAddressOfEitherFamily_IsAccepted(string value, string expected)
    {
        AgentOptions options = AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), [new FlagValue(ConfigurationKeys.MetricsAddress, value, "--metrics-address")]);

        Assert.Equal(expected, options.MetricsAddress);
    }

    [Theory]
    [InlineData("::1:9469")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    [InlineData("[::1]:0")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("localhost:9469")]
    public void Load_MetricsAddressWithoutAPort_IsAConfigurationError(string value)
    {
        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), [new FlagValue(ConfigurationKeys.MetricsAddress, value, "--metrics-address")]));

        Assert.StartsWith($"--metrics-address: \"{value}\" is not an address:port such as 127.0.0.1:9469 or [::1]:9469", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("lo")]
    [InlineData("ipvs\t0")]
    public void Load_InterfaceThatIsNotTheAgents_IsAConfigurationError(string name)
    {
        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, Environment(("IPVS_AGENT_CONFIG", string.Empty)), [new FlagValue(ConfigurationKeys.Interface, name, "--interface")]));

        Assert.StartsWith($"--interface: \"{name}\"", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void NeedsRestartToApply_SameFileLoadedTwice_False()
    {
        string path = WriteConfig("allowedVipCidrs: [10.99.0.0/16]\nallowedFwmarks: [1-10]\nresyncInterval: 5s\n");

        AgentOptions running = AgentConfiguration.Load(path, Environment(), []);
        AgentOptions reloaded = AgentConfiguration.Load(path, Environment(), []);

        Assert.NotSame(running.AllowedVipCidrs, reloaded.AllowedVipCidrs);
        Assert.False(running.NeedsRestartToApply(reloaded));
    }

    [Fact]
    public void NeedsRestartToApply_OnlyTheLogLevelChanged_False()
    {
        AgentOptions running = AgentConfiguration.Load(WriteConfig("allowedVipCidrs: [10.99.0.0/16]\nlogLevel: info\n"), Environment(), []);
        AgentOptions reloaded = AgentConfiguration.Load(WriteConfig("allowedVipCidrs: [10.99.0.0/16]\nlogLevel: debug\n"), Environment(), []);

        Assert.False(running.NeedsRestartToApply(reloaded));
    }

    [Theory]
    [InlineData("allowedVipCidrs: [10.98.0.0/16]\n")]
    [InlineData("allowedVipCidrs: [10.99.0.0/16]\nresyncInterval: 7s\n")]
    public void NeedsRestartToApply_AnotherKeyOrListChanged_True(string changed)
    {
        AgentOptions running = AgentConfiguration.Load(WriteConfig("allowedVipCidrs: [10.99.0.0/16]\n"), Environment(), []);
        AgentOptions reloaded = AgentConfiguration.Load(WriteConfig(changed), Environment(), []);

        Assert.True(running.NeedsRestartToApply(reloaded));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
