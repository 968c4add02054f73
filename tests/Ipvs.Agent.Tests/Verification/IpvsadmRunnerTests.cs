using CliWrap;
using Ipvs.Agent.Tests.Support;
using Ipvs.Agent.Verification;

namespace Ipvs.Agent.Tests.Verification;

/// <summary>
/// Runs the real ipvsadm. Only inside the lab, in a network namespace whose IPVS table the test may flush: run as
/// <c>vagrant/lab/run -- ip netns exec NS env IPVS_AGENT_TEST_PRIVATE_NETNS=1 dotnet Ipvs.Agent.Tests.dll -class '*IpvsadmRunnerTests'</c>.
/// </summary>
public sealed class IpvsadmRunnerTests
{
    [Fact]
    public async Task SaveAsync_TableRestoredFromFixture_ReadsTheSameTableBack()
    {
        if (Environment.GetEnvironmentVariable("IPVS_AGENT_TEST_PRIVATE_NETNS") != "1")
        {
            Assert.Skip("Needs IPVS and a private network namespace (set IPVS_AGENT_TEST_PRIVATE_NETNS=1 inside the lab).");
        }

        string rules = Fixture.Read("ipvsadm-Sn-all-options.txt");
        await Cli.Wrap("ipvsadm").WithArguments(["-C"]).ExecuteAsync(TestContext.Current.CancellationToken);
        await (rules | Cli.Wrap("ipvsadm").WithArguments(["-R"])).ExecuteAsync(TestContext.Current.CancellationToken);
        try
        {
            Core.Kernel.KernelTable table = await IpvsadmRunner.SaveAsync(cancellationToken: TestContext.Current.CancellationToken);

            Assert.Empty(KernelTableComparer.Compare(IpvsadmSaveParser.Parse(rules), table));
            Assert.Equal(9, table.Services.Count);
        }
        finally
        {
            await Cli.Wrap("ipvsadm").WithArguments(["-C"]).ExecuteAsync(CancellationToken.None);
        }
    }
}
