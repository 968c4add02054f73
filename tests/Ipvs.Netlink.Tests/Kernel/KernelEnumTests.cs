using System.Globalization;
using Ipvs.Core.Model;
using Ipvs.Netlink.Tests.Kernel.Support;

namespace Ipvs.Netlink.Tests.Kernel;

/// <summary>The Ipvs.Core model enums whose values go to the kernel unchanged carry the headers' values.</summary>
public sealed class KernelEnumTests
{
    private static readonly Dictionary<Enum, string> _cNames = new()
    {
        [IpFamily.V4] = "AF_INET",
        [IpFamily.V6] = "AF_INET6",
        [IpvsProtocol.Tcp] = "IPPROTO_TCP",
        [IpvsProtocol.Udp] = "IPPROTO_UDP",
        [IpvsProtocol.Sctp] = "IPPROTO_SCTP",
        [ForwardingMethod.Masquerade] = "IP_VS_CONN_F_MASQ",
        [ForwardingMethod.Local] = "IP_VS_CONN_F_LOCALNODE",
        [ForwardingMethod.Tunnel] = "IP_VS_CONN_F_TUNNEL",
        [ForwardingMethod.Route] = "IP_VS_CONN_F_DROUTE",
        [ServiceFlags.Persistent] = "IP_VS_SVC_F_PERSISTENT",
        [ServiceFlags.Hashed] = "IP_VS_SVC_F_HASHED",
        [ServiceFlags.OnePacket] = "IP_VS_SVC_F_ONEPACKET",
        [ServiceFlags.ShFallback] = "IP_VS_SVC_F_SCHED1",
        [ServiceFlags.ShPort] = "IP_VS_SVC_F_SCHED2",
        [ServiceFlags.SchedulerFlag3] = "IP_VS_SVC_F_SCHED3",
        [TunnelType.IpIp] = "IP_VS_CONN_F_TUNNEL_TYPE_IPIP",
        [TunnelType.Gue] = "IP_VS_CONN_F_TUNNEL_TYPE_GUE",
        [TunnelType.Gre] = "IP_VS_CONN_F_TUNNEL_TYPE_GRE",
        [TunnelFlags.NoChecksum] = "IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM",
        [TunnelFlags.Checksum] = "IP_VS_TUNNEL_ENCAP_FLAG_CSUM",
        [TunnelFlags.RemoteChecksum] = "IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM",
    };

    // "No value" members the model needs that no header names.
    private static readonly HashSet<Enum> _modelOnly = [IpvsProtocol.None, ServiceFlags.None];

    public static TheoryData<string> Members => new(_cNames.Keys.Select(Describe));

    [Theory]
    [MemberData(nameof(Members))]
    public void Member_ComparedWithProbe_EqualsHeaderValue(string member)
    {
        Enum value = _cNames.Keys.Single(candidate => Describe(candidate) == member);
        string cName = _cNames[value];
        string csharpValue = Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

        Assert.True(
            NativeProbe.Output.Constants.TryGetValue(cName, out string? headerValue),
            $"The probe does not print {cName} (for {member}).");
        Assert.True(headerValue == csharpValue, $"{member} = {csharpValue}, but the header's {cName} = {headerValue}.");
    }

    [Fact]
    public void Table_OfKernelEnums_CoversEveryMember()
    {
        Type[] enums =
        [
            typeof(IpFamily), typeof(IpvsProtocol), typeof(ForwardingMethod),
            typeof(ServiceFlags), typeof(TunnelType), typeof(TunnelFlags),
        ];

        Enum[] unmapped =
        [
            .. enums
                .SelectMany(type => Enum.GetValues(type).Cast<Enum>())
                .Where(value => !_cNames.ContainsKey(value) && !_modelOnly.Contains(value)),
        ];

        Assert.True(unmapped.Length == 0, $"No C name mapped for: {string.Join(", ", unmapped.Select(Describe))}.");
    }

    private static string Describe(Enum value) => $"{value.GetType().Name}.{value}";
}
