using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Kernel;

public sealed class KernelTableTests
{
    private static readonly VirtualService Web = Service(Tcp("10.99.0.10", 80));
    private static readonly VirtualService Api = Service(Tcp("10.99.0.11", 80));
    private static readonly VirtualService Dns = Service(Udp("10.99.0.12", 53));

    [Fact]
    public void With_ReplaceAddAndRemove_ChangesOnlyThoseAndLeavesTheOriginalAlone()
    {
        KernelService web = InKernel(Web, Server("10.1.1.2", 8080));
        KernelService api = InKernel(Api, Server("10.1.1.3", 8080));
        KernelTable table = Table(web, api);
        KernelService newApi = InKernel(Api, Server("10.1.1.4", 8080));
        KernelService dns = InKernel(Dns, Array.Empty<RealServer>());

        KernelTable changed = table.With(new Dictionary<VirtualServiceKey, KernelService?> { [Api.Key] = newApi, [Dns.Key] = dns, [Web.Key] = null });

        Assert.Equal([Api.Key, Dns.Key], changed.Services.Keys.Order(Core.Model.KeyOrder.Instance));
        Assert.Same(newApi, changed.Services[Api.Key]);
        Assert.Same(web, table.Services[Web.Key]);
        Assert.Same(api, table.Services[Api.Key]);
        Assert.Equal(2, table.Services.Count);
    }

    [Fact]
    public void With_NoChanges_ReturnsTheSameTable()
    {
        KernelTable table = Table(InKernel(Web, Array.Empty<RealServer>()));

        Assert.Same(table, table.With(new Dictionary<VirtualServiceKey, KernelService?>()));
    }

    [Fact]
    public void With_ServiceUnderAnotherKey_ThrowsNamingBoth()
    {
        KernelTable table = Table(InKernel(Web, Array.Empty<RealServer>()));

        var exception = Assert.Throws<ArgumentException>(() => table.With(new Dictionary<VirtualServiceKey, KernelService?> { [Web.Key] = InKernel(Api, Array.Empty<RealServer>()) }));

        Assert.Contains(Web.Key.ToString(), exception.Message, StringComparison.Ordinal);
        Assert.Contains(Api.Key.ToString(), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SameServiceTwice_Throws()
    {
        Assert.Throws<ArgumentException>(() => Table(InKernel(Web, Array.Empty<RealServer>()), InKernel(Web, Array.Empty<RealServer>())));
    }

    [Fact]
    public void With_TableWithUnreadableEntries_KeepsThemBesideTheChange()
    {
        string problem = "Service TCP 192.0.2.80:80: IPv4 IPVS_SVC_ATTR_NETMASK 255.0.255.0 is not contiguous (no prefix length).";
        KernelTable table = KernelTable.Create([InKernel(Web, Array.Empty<RealServer>())], [problem]);

        KernelTable changed = table.With(new Dictionary<VirtualServiceKey, KernelService?> { [Web.Key] = null });

        Assert.Equal([problem], changed.Unreadable);
        Assert.Empty(changed.Services);
        Assert.Empty(KernelTable.Create([]).Unreadable);
    }
}
