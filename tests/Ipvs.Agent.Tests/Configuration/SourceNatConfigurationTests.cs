using System.Collections;
using Ipvs.Agent.Configuration;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class SourceNatConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-snat-config-").FullName;

    [Fact]
    public void Load_NotGiven_IsAuto() =>
        Assert.Equal(SourceNatMode.Auto, AgentConfiguration.Load(null, new Hashtable { ["IPVS_AGENT_CONFIG"] = string.Empty }, []).SourceNat);

    [Fact]
    public void Load_FileVariableAndFlag_EachLaterLayerWins()
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, "sourceNat: off\n");
        var environment = new Hashtable { ["IPVS_AGENT_SOURCE_NAT"] = "ALL" };

        Assert.Equal(SourceNatMode.Off, AgentConfiguration.Load(path, new Hashtable(), []).SourceNat);
        Assert.Equal(SourceNatMode.All, AgentConfiguration.Load(path, environment, []).SourceNat);
        Assert.Equal(SourceNatMode.Auto, AgentConfiguration.Load(path, environment, [new FlagValue(ConfigurationKeys.SourceNat, "auto", "--source-nat")]).SourceNat);
    }

    [Fact]
    public void Load_UnknownMode_ErrorNamesFileLineKeyAndChoices()
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, "logLevel: info\nsourceNat: masquerade\n");

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new Hashtable(), []));

        Assert.Equal("config.yaml:2: sourceNat: \"masquerade\" is not auto, all or off", Assert.Single(error.Problems));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
