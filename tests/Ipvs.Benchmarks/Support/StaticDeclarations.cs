using Ipvs.Core.Desired;
using Ipvs.Core.Model;

namespace Ipvs.Benchmarks.Support;

/// <summary>The host benchmarks' table as a services file declares it.</summary>
internal static class StaticDeclarations
{
    /// <summary>Services 10.99.x.y:80 (wrr), each with real servers 10.1.j.1:8080 (masquerade, weight 1 + j).</summary>
    public static List<ServiceDeclaration> Create(int services, int serversPerService)
    {
        var source = DesiredSource.StaticFile("bench.yaml", "bench");
        var declarations = new List<ServiceDeclaration>(services);
        for (int i = 0; i < services; i++)
        {
            var vip = NetAddress.FromBytes(IpFamily.V4, [10, 99, (byte)(i >> 8), (byte)i]);
            VirtualService service = VirtualService.Create(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, vip, 80), "wrr");
            var servers = new RealServer[serversPerService];
            for (int j = 0; j < serversPerService; j++)
            {
                servers[j] = new RealServer(NetAddress.FromBytes(IpFamily.V4, [10, 1, (byte)j, 1]), 8080, ForwardingMethod.Masquerade, 1 + j);
            }

            declarations.Add(new ServiceDeclaration(source, service, servers));
        }

        return declarations;
    }
}
