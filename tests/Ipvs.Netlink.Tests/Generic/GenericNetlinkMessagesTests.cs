using Ipvs.Netlink.Generic;
using Ipvs.Netlink.Tests.Support;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Tests.Generic;

public sealed class GenericNetlinkMessagesTests
{
    [Fact]
    public void WriteGetFamily_Ipvs_MatchesHandDerivedBytes()
    {
        // Derived from linux/netlink.h + genetlink.h; identical to what ipvsadm (libnl) sent in the lab under strace,
        // apart from the sequence and port id.
        byte[] expected =
        [
            0x20, 0x00, 0x00, 0x00, // nlmsg_len 32 = 16 header + 4 genl + 12 attribute
            0x10, 0x00,             // nlmsg_type GENL_ID_CTRL
            0x05, 0x00,             // NLM_F_REQUEST | NLM_F_ACK
            0x2a, 0x00, 0x00, 0x00, // seq 42
            0x00, 0x00, 0x00, 0x00, // port id 0: the kernel
            0x03, 0x01, 0x00, 0x00, // CTRL_CMD_GETFAMILY, version 1, reserved
            0x09, 0x00, 0x02, 0x00, // nla_len 9 = 4 + "IPVS\0", CTRL_ATTR_FAMILY_NAME
            0x49, 0x50, 0x56, 0x53, // "IPVS"
            0x00, 0x00, 0x00, 0x00, // NUL + 3 bytes padding
        ];

        byte[] actual = Messages.Encode((ref NetlinkWriter w) => GenericNetlinkMessages.WriteGetFamily(ref w, 42, "IPVS"));

        Assert.Equal(Hex.Format(expected), Hex.Format(actual));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCDEFGHIJKLMNOP")]
    public void WriteGetFamily_InvalidName_ThrowsArgumentException(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => Messages.Encode((ref NetlinkWriter w) => GenericNetlinkMessages.WriteGetFamily(ref w, 1, name)));
    }

    [Fact]
    public void ReadFamily_ControllerReply_DecodesIdVersionAndOperations()
    {
        byte[] reply = KernelReplies.IpvsFamily(0x1c, (1, 0x1), (4, 0xe));

        GenericNetlinkFamily family = Messages.Decode(reply, GenericNetlinkMessages.ReadFamily);

        Assert.Equal(0x1c, family.Id);
        Assert.Equal("IPVS", family.Name);
        Assert.Equal(1u, family.Version);
        Assert.Equal(0u, family.HeaderSize);
        Assert.Equal(6u, family.MaxAttribute);
        Assert.Equal([new GenericNetlinkOperation(1, 0x1), new GenericNetlinkOperation(4, 0xe)], family.Operations);
    }

    [Fact]
    public void ReadFamily_WithoutFamilyId_ThrowsNamingAttribute()
    {
        byte[] reply = KernelReplies.Build(0x10, 1, 1, (ref NetlinkWriter w) => w.WriteString(2, "IPVS"));

        var error = Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, GenericNetlinkMessages.ReadFamily));

        Assert.Contains("CTRL_ATTR_FAMILY_ID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFamily_NotFromController_Throws()
    {
        byte[] reply = KernelReplies.Info(0x010201, 4096);

        Assert.Throws<NetlinkDecodeException>(() => Messages.Decode(reply, GenericNetlinkMessages.ReadFamily));
    }
}
