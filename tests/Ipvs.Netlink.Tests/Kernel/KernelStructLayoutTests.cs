using Ipvs.Netlink.Route;
using Ipvs.Netlink.Sockets;
using Ipvs.Netlink.Tests.Kernel.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Kernel;

/// <summary>Every C# struct that is read or written as a kernel struct has the kernel's size and field offsets.</summary>
public sealed class KernelStructLayoutTests
{
    private static readonly Dictionary<string, StructMirror> _mirrors = new(StringComparer.Ordinal)
    {
        ["nlmsghdr"] = new(typeof(NetlinkHeader), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["nlmsg_len"] = nameof(NetlinkHeader.Length),
            ["nlmsg_type"] = nameof(NetlinkHeader.Type),
            ["nlmsg_flags"] = nameof(NetlinkHeader.Flags),
            ["nlmsg_seq"] = nameof(NetlinkHeader.Sequence),
            ["nlmsg_pid"] = nameof(NetlinkHeader.PortId),
        }),
        ["genlmsghdr"] = new(typeof(GenericNetlinkHeader), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cmd"] = nameof(GenericNetlinkHeader.Command),
            ["version"] = nameof(GenericNetlinkHeader.Version),
            ["reserved"] = nameof(GenericNetlinkHeader.Reserved),
        }),
        ["sockaddr_nl"] = new(typeof(SockAddrNl), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["nl_family"] = nameof(SockAddrNl.Family),
            ["nl_pad"] = nameof(SockAddrNl.Pad),
            ["nl_pid"] = nameof(SockAddrNl.PortId),
            ["nl_groups"] = nameof(SockAddrNl.Groups),
        }),
        ["ifinfomsg"] = new(typeof(InterfaceInfoMessage), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ifi_family"] = nameof(InterfaceInfoMessage.Family),
            ["__ifi_pad"] = nameof(InterfaceInfoMessage.Padding),
            ["ifi_type"] = nameof(InterfaceInfoMessage.Type),
            ["ifi_index"] = nameof(InterfaceInfoMessage.Index),
            ["ifi_flags"] = nameof(InterfaceInfoMessage.Flags),
            ["ifi_change"] = nameof(InterfaceInfoMessage.Change),
        }),
        ["ifaddrmsg"] = new(typeof(InterfaceAddressMessage), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ifa_family"] = nameof(InterfaceAddressMessage.Family),
            ["ifa_prefixlen"] = nameof(InterfaceAddressMessage.PrefixLength),
            ["ifa_flags"] = nameof(InterfaceAddressMessage.Flags),
            ["ifa_scope"] = nameof(InterfaceAddressMessage.Scope),
            ["ifa_index"] = nameof(InterfaceAddressMessage.Index),
        }),
        ["iovec"] = new(typeof(IoVector), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["iov_base"] = nameof(IoVector.Base),
            ["iov_len"] = nameof(IoVector.Length),
        }),
        ["msghdr"] = new(typeof(MessageHeader), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["msg_name"] = nameof(MessageHeader.Name),
            ["msg_namelen"] = nameof(MessageHeader.NameLength),
            ["msg_iov"] = nameof(MessageHeader.Vectors),
            ["msg_iovlen"] = nameof(MessageHeader.VectorCount),
            ["msg_control"] = nameof(MessageHeader.Control),
            ["msg_controllen"] = nameof(MessageHeader.ControlLength),
            ["msg_flags"] = nameof(MessageHeader.Flags),
        }),
        ["timeval"] = new(typeof(TimeValue), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tv_sec"] = nameof(TimeValue.Seconds),
            ["tv_usec"] = nameof(TimeValue.Microseconds),
        }),
    };

    public static TheoryData<string> Structs => new(_mirrors.Keys);

    public static TheoryData<string, string> Fields =>
        new(_mirrors.SelectMany(mirror => mirror.Value.FieldsByCName.Keys.Select(cField => (mirror.Key, cField))));

    [Theory]
    [MemberData(nameof(Structs))]
    public void Size_OfMirror_EqualsHeaderSize(string cStruct)
    {
        StructMirror mirror = _mirrors[cStruct];
        Assert.True(NativeProbe.Output.TryGetSize(cStruct, out int headerSize), $"The probe printed no sizeof:{cStruct}.");

        Assert.True(
            mirror.MarshalSize == headerSize && mirror.ManagedSize == headerSize,
            $"struct {cStruct}: {mirror.Type.Name} is {mirror.ManagedSize} bytes (marshalled {mirror.MarshalSize}), " +
            $"header says {headerSize}.");
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Offset_OfMirrorField_EqualsHeaderOffset(string cStruct, string cField)
    {
        StructMirror mirror = _mirrors[cStruct];
        Assert.True(
            NativeProbe.Output.OffsetsOf(cStruct).TryGetValue(cField, out int headerOffset),
            $"The probe printed no offsetof:{cStruct}.{cField}.");

        int offset = mirror.OffsetOf(cField);

        Assert.True(
            offset == headerOffset,
            $"{cStruct}.{cField}: {mirror.Type.Name}.{mirror.FieldsByCName[cField]} is at {offset}, header says {headerOffset}.");
    }

    [Theory]
    [MemberData(nameof(Structs))]
    public void FieldMap_OfMirror_CoversEveryHeaderFieldAndEveryCSharpField(string cStruct)
    {
        StructMirror mirror = _mirrors[cStruct];

        Assert.Equal(
            NativeProbe.Output.OffsetsOf(cStruct).Keys.Order(StringComparer.Ordinal),
            mirror.FieldsByCName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            mirror.InstanceFieldNames.Order(StringComparer.Ordinal),
            mirror.FieldsByCName.Values.Order(StringComparer.Ordinal));
    }
}
