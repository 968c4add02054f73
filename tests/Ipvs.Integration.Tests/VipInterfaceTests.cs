using Ipvs.Core.Model;
using Ipvs.Integration.Tests.Support;
using Ipvs.Netlink.Client;
using Ipvs.Netlink.Route;

namespace Ipvs.Integration.Tests;

/// <summary>The dummy VIP interface over rtnetlink, in a namespace of its own.</summary>
public sealed class VipInterfaceTests
{
    [Fact]
    public async Task EnsureUpAddListRemoveDelete_InNamespace_EachStepVisibleToIp()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("vip");
        using VipInterface vip = VipInterface.OpenInNamespace(lab.Path);
        NetAddress v4 = NetAddress.Parse("10.40.0.1");
        NetAddress v6 = NetAddress.Parse("fd00::40:1");

        LinkInfo link = vip.EnsureUp();
        LinkInfo again = vip.EnsureUp();
        bool added = vip.AddAddress(v4);
        bool addedV6 = vip.AddAddress(v6);
        bool addedTwice = vip.AddAddress(v4);
        List<InterfaceAddress> listed = vip.ListAddresses();
        string shown = await lab.RunAsync("ip", "addr", "show", "dev", "ipvs0");
        bool removed = vip.RemoveAddress(v4);
        bool removedTwice = vip.RemoveAddress(v4);
        List<InterfaceAddress> afterRemove = vip.ListAddresses();
        bool deleted = vip.Delete();

        Assert.Equal("ipvs0", link.Name);
        Assert.Equal("dummy", link.Kind);
        Assert.True(link.IsUp);
        Assert.Equal(link.Index, again.Index);
        Assert.True(added);
        Assert.True(addedV6);
        Assert.False(addedTwice);
        Assert.Contains(new InterfaceAddress(link.Index, v4, 32), listed);
        Assert.Contains(new InterfaceAddress(link.Index, v6, 128), listed);
        Assert.Contains("inet 10.40.0.1/32", shown, StringComparison.Ordinal);
        Assert.Contains("inet6 fd00::40:1/128", shown, StringComparison.Ordinal);
        Assert.True(removed);
        Assert.False(removedTwice);
        Assert.DoesNotContain(afterRemove, address => address.Address == v4);
        Assert.True(deleted);
        Assert.Null(vip.Find());
        Assert.False(vip.Delete());
        Assert.DoesNotContain("ipvs0", await lab.RunAsync("ip", "link", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAddressesRemoveAddresses_ThousandVipsBothFamilies_EachLandsInTheKernelInFewDatagrams()
    {
        await using LabNamespace lab = await LabNamespace.CreateAsync("vipbatch");
        using VipInterface vip = VipInterface.OpenInNamespace(lab.Path);
        NetAddress[] v4 = [.. Enumerable.Range(0, 1000).Select(i => NetAddress.Parse($"10.41.{i / 256}.{i % 256}"))];
        NetAddress v6 = NetAddress.Parse("fd00::41:1");
        LinkInfo link = vip.EnsureUp();
        vip.AddAddress(v4[0]);

        IReadOnlyList<NetAddress> added = vip.AddAddresses([.. v4, v6]);
        string shown = await lab.RunAsync("ip", "addr", "show", "dev", "ipvs0");
        IReadOnlyList<NetAddress> removed = vip.RemoveAddresses([.. v4[..500], NetAddress.Parse("10.42.0.1")]);
        List<InterfaceAddress> left = vip.ListAddresses();

        // The one already there is not reported as added; the one never there not as removed.
        Assert.Equal([.. v4[1..], v6], added);
        Assert.Equal(1000, shown.Split('\n').Count(line => line.Contains("inet 10.41.", StringComparison.Ordinal) && line.Contains("/32", StringComparison.Ordinal)));
        Assert.Contains("inet6 fd00::41:1/128", shown, StringComparison.Ordinal);
        Assert.Equal(v4[..500], removed);
        Assert.Equal([.. v4[500..], v6], left.Where(address => address.InterfaceIndex == link.Index && !address.Address.ToString().StartsWith("fe80", StringComparison.Ordinal))
            .Select(address => address.Address).Order());
    }
}
