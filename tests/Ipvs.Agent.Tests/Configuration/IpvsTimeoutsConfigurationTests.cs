using System.Collections;
using Ipvs.Agent.Configuration;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class IpvsTimeoutsConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-timeouts-").FullName;

    private static Hashtable NoFile() => new() { ["IPVS_AGENT_CONFIG"] = string.Empty };

    private string WriteConfig(string yaml)
    {
        string path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Load_NoTimeoutsGiven_LeavesEveryKernelTimeout()
    {
        AgentOptions options = AgentConfiguration.Load(null, NoFile(), []);

        Assert.Equal(default, options.IpvsTimeouts);
    }

    [Fact]
    public void Load_TimeoutsFromFileVariableAndFlag_AreWholeSeconds()
    {
        string path = WriteConfig("ipvsTcpTimeout: 2h\nipvsUdpTimeout: 1m\n");
        var environment = new Hashtable { ["IPVS_AGENT_IPVS_TCP_FIN_TIMEOUT"] = "30s" };

        AgentOptions options = AgentConfiguration.Load(path, environment, [new FlagValue(ConfigurationKeys.IpvsUdpTimeout, "90s", "--ipvs-udp-timeout")]);

        Assert.Equal(new IpvsTimeouts(7200, 30, 90), options.IpvsTimeouts);
    }

    [Fact]
    public void Load_TimeoutAtTheMaximum_IsAccepted()
    {
        AgentOptions options = AgentConfiguration.Load(null, NoFile(), [new FlagValue(ConfigurationKeys.IpvsTcpTimeout, "576h", "--ipvs-tcp-timeout")]);

        Assert.Equal(24u * 24 * 3600, options.IpvsTimeouts.TcpSeconds);
    }

    [Theory]
    [InlineData("0s", "\"0s\" is shorter than 1s (the kernel reads 0 as \"leave unchanged\": leave the key out for that)")]
    [InlineData("0", "\"0\" is not a duration like 900s or 2h")]
    [InlineData("900", "\"900\" is not a duration like 900s or 2h")]
    [InlineData("-5s", "\"-5s\" is negative; give a timeout from 1s to 576h")]
    [InlineData("500ms", "\"500ms\" is shorter than 1s (the kernel reads 0 as \"leave unchanged\": leave the key out for that)")]
    [InlineData("1.5s", "\"1.5s\" is not a whole number of seconds (IPVS keeps timeouts in seconds)")]
    [InlineData("577h", "\"577h\" is longer than the maximum 576h (the kernel refuses more than INT_MAX/HZ seconds, 24.8 days at HZ=1000)")]
    [InlineData("99999999999999h", "\"99999999999999h\" is longer than the maximum 576h (the kernel refuses more than INT_MAX/HZ seconds, 24.8 days at HZ=1000)")]
    public void Load_BadTimeoutInFile_ErrorNamesFileLineKeyAndValue(string value, string problem)
    {
        string path = WriteConfig($"logLevel: info\nipvsTcpFinTimeout: {value}\n");

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(path, new Hashtable(), []));

        Assert.Equal($"config.yaml:2: ipvsTcpFinTimeout: {problem}", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_BadTimeoutsFromFlagAndVariable_EachNamesItsOrigin()
    {
        var environment = new Hashtable { ["IPVS_AGENT_CONFIG"] = string.Empty, ["IPVS_AGENT_IPVSUDPTIMEOUT"] = "-1s" };

        var error = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, environment, [new FlagValue(ConfigurationKeys.IpvsTcpTimeout, "soon", "--ipvs-tcp-timeout")]));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("--ipvs-tcp-timeout: \"soon\" is not a duration like 900s or 2h", error.Problems);
        Assert.Contains("IPVS_AGENT_IPVSUDPTIMEOUT: \"-1s\" is negative; give a timeout from 1s to 576h", error.Problems);
    }

    [Fact]
    public void NeedsRestartToApply_TimeoutChanged_IsTrue()
    {
        var running = new AgentOptions { IpvsTimeouts = new IpvsTimeouts(7200, 0, 0) };

        Assert.True(running.NeedsRestartToApply(running with { IpvsTimeouts = new IpvsTimeouts(3600, 0, 0) }));
        Assert.False(running.NeedsRestartToApply(running with { IpvsTimeouts = new IpvsTimeouts(7200, 0, 0) }));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
