using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Client;

namespace Ipvs.Integration.Tests;

/// <summary>A socket stays bound to the namespace it was opened in: its table is nobody else's.</summary>
public sealed class NamespaceIsolationTests
{
    [Fact]
    public async Task AddService_ThroughSocketOfNamespaceA_VisibleOnlyInA()
    {
        await using LabNamespace a = await LabNamespace.CreateAsync("iso-a");
        await using LabNamespace b = await LabNamespace.CreateAsync("iso-b");
        using IpvsClient inA = IpvsClient.OpenInNamespace(a.Path);
        using IpvsClient inB = IpvsClient.OpenInNamespace(b.Path);
        using IpvsClient inRoot = IpvsClient.Open();
        var key = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.30.0.1"), 8080);

        inA.AddService(VirtualService.Create(key, "rr"));

        Assert.NotNull(inA.GetService(key));
        Assert.Null(inB.GetService(key));
        Assert.Null(inRoot.GetService(key));
        Assert.NotNull((await a.SaveIpvsadmAsync()).FindService(key));
        Assert.Null((await b.SaveIpvsadmAsync()).FindService(key));
        Assert.Null(IpvsadmTable.Parse(await Shell.RunAsync("ipvsadm", "-Sn")).FindService(key));
    }
}
