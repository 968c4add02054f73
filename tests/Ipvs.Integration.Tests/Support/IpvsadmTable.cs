using Ipvs.Agent.Verification;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;

namespace Ipvs.Integration.Tests.Support;

/// <summary>A real server as <c>ipvsadm -Sn</c> lists it, with the service it belongs to.</summary>
internal readonly record struct IpvsadmRealServer(VirtualServiceKey Service, RealServer Server);

/// <summary>
/// The output of <c>ipvsadm -Sn</c> read by the agent's own parser (the one behind <c>ipvs-agent verify</c>), so every
/// kernel state these tests write also proves that parser against real ipvsadm output.
/// </summary>
/// <remarks>
/// ipvsadm prints "-g" for both direct routing and local-node servers, so those two compare as one; and its save
/// format leaves out thresholds, which <see cref="WithThresholds"/> fills in from <c>ipvsadm -Ln --thresholds</c>.
/// </remarks>
internal sealed record IpvsadmTable(IReadOnlyList<VirtualService> Services, IReadOnlyList<IpvsadmRealServer> RealServers)
{
    public static IpvsadmTable Parse(string save) => FromKernelTable(IpvsadmSaveParser.Parse(save));

    /// <summary>This table with each real server's thresholds taken from <c>ipvsadm -Ln --exact --thresholds</c>.</summary>
    public IpvsadmTable WithThresholds(string thresholdListing)
    {
        (IpvsadmListing listing, KernelTable limits) = IpvsadmListParser.Parse(thresholdListing);
        if (listing != IpvsadmListing.Thresholds)
        {
            throw new FormatException($"Expected an ipvsadm -Ln --thresholds listing, got {listing}.");
        }

        return this with
        {
            RealServers = [.. RealServers.Select(entry =>
                limits.TryGetService(entry.Service, out KernelService? service) && service.RealServers.TryGetValue(entry.Server.Key, out KernelRealServer limited)
                    ? entry with { Server = entry.Server with { UpperThreshold = limited.Server.UpperThreshold, LowerThreshold = limited.Server.LowerThreshold } }
                    : entry)],
        };
    }

    public VirtualService? FindService(VirtualServiceKey key) =>
        Services.Where(service => service.Key == key).Select(service => (VirtualService?)service).FirstOrDefault();

    public IEnumerable<RealServer> RealServersOf(VirtualServiceKey key) =>
        RealServers.Where(server => server.Service == key).Select(server => server.Server);

    /// <summary>What ipvsadm can show of <paramref name="server"/>: local-node is printed as direct routing.</summary>
    public static RealServer AsIpvsadmShowsIt(RealServer server) =>
        server.Method == ForwardingMethod.Local ? server with { Method = ForwardingMethod.Route } : server;

    private static IpvsadmTable FromKernelTable(KernelTable table) => new(
        [.. table.OrderedServices.Select(service => service.Service)],
        [.. table.OrderedServices.SelectMany(service => service.OrderedRealServers.Select(server => new IpvsadmRealServer(service.Key, server.Server)))]);
}
