using System.Collections;
using Ipvs.Agent.Configuration;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class HealthCheckConcurrencyConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-health-config-").FullName;

    private static Hashtable NoFile() => new() { ["IPVS_AGENT_CONFIG"] = string.Empty };

    [Fact]
    public void Load_NotGiven_Is64()
    {
        AgentOptions options = AgentConfiguration.Load(null, NoFile(), []);

        Assert.Equal(64, options.HealthCheckConcurrency);
    }

    [Fact]
    public void Load_FlagOverFile_FlagWins()
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, "healthCheckConcurrency: 8\n");

        AgentOptions fromFile = AgentConfiguration.Load(path, new Hashtable(), []);
        AgentOptions fromFlag = AgentConfiguration.Load(path, new Hashtable(), [new FlagValue(ConfigurationKeys.HealthCheckConcurrency, "4096", "--health-check-concurrency")]);

        Assert.Equal(8, fromFile.HealthCheckConcurrency);
        Assert.Equal(4096, fromFlag.HealthCheckConcurrency);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4097")]
    [InlineData("-1")]
    [InlineData("many")]
    [InlineData("1.5")]
    public void Load_OutOfRangeInFile_ErrorNamesFileLineKeyAndValue(string value)
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, $"logLevel: info\nhealthCheckConcurrency: {value}\n");

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new Hashtable(), []));

        Assert.Equal($"config.yaml:2: healthCheckConcurrency: \"{value}\" is not a whole number from 1 to 4096", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_BadVariable_ErrorNamesTheVariable()
    {
        var environment = new Hashtable { ["IPVS_AGENT_CONFIG"] = string.Empty, ["IPVS_AGENT_HEALTH_CHECK_CONCURRENCY"] = "0" };

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, environment, []));

        Assert.Equal("IPVS_AGENT_HEALTH_CHECK_CONCURRENCY: \"0\" is not a whole number from 1 to 4096", Assert.Single(error.Problems));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
