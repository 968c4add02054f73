using System.Text;
using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Wire;

namespace Ipvs.Netlink.Generic;

/// <summary>Requests to and replies from the generic netlink controller, which maps family names to ids.</summary>
public static class GenericNetlinkMessages
{
    /// <summary>The controller's command version; libnl and iproute2 send 1 and the kernel accepts any.</summary>
    public const byte ControllerVersion = 1;

    /// <summary>Writes CTRL_CMD_GETFAMILY for <paramref name="familyName"/>, asking for an ACK.</summary>
    /// <remarks>
    /// <code>
    /// +---------------------------------------------------------------+
    /// | nlmsghdr: len, type GENL_ID_CTRL, flags REQUEST|ACK, seq, 0   |
    /// +---------------+---------------+-------------------------------+
    /// | CTRL_CMD_GET  | version 1     |            0                  |
    /// +---------------+---------------+-------------------------------+
    /// | nla_len 4+n+1 | CTRL_ATTR_FAMILY_NAME | "IPVS\0" + padding    |
    /// +---------------------------------------------------------------+
    /// </code>
    /// </remarks>
    public static void WriteGetFamily(ref NetlinkWriter writer, uint sequence, string familyName)
    {
        ArgumentException.ThrowIfNullOrEmpty(familyName);
        if (Encoding.UTF8.GetByteCount(familyName) >= GenericNetlinkKernel.GENL_NAMSIZ)
        {
            throw new ArgumentException(
                $"Generic netlink family name '{familyName}' is longer than {GenericNetlinkKernel.GENL_NAMSIZ - 1} bytes.",
                nameof(familyName));
        }

        int message = writer.BeginMessage(
            GenericNetlinkKernel.GENL_ID_CTRL, NetlinkKernel.NLM_F_REQUEST | NetlinkKernel.NLM_F_ACK, sequence);
        writer.WriteGenericHeader(GenericNetlinkKernel.CTRL_CMD_GETFAMILY, ControllerVersion);
        writer.WriteString(GenericNetlinkKernel.CTRL_ATTR_FAMILY_NAME, familyName);
        writer.EndMessage(message);
    }

    /// <summary>Decodes the controller's CTRL_CMD_NEWFAMILY reply.</summary>
    public static GenericNetlinkFamily ReadFamily(in NetlinkMessage message)
    {
        if (message.Header.Type != GenericNetlinkKernel.GENL_ID_CTRL)
        {
            throw new NetlinkDecodeException(
                $"Message type {message.Header.Type} is not the generic netlink controller ({GenericNetlinkKernel.GENL_ID_CTRL}).");
        }

        GenericNetlinkHeader genl = GenericNetlinkHeader.Read(message.Payload);
        if (genl.Command != GenericNetlinkKernel.CTRL_CMD_NEWFAMILY)
        {
            throw new NetlinkDecodeException(
                $"Controller reply has command {genl.Command}, expected CTRL_CMD_NEWFAMILY ({GenericNetlinkKernel.CTRL_CMD_NEWFAMILY}).");
        }

        ushort? id = null;
        string? name = null;
        uint version = 0;
        uint headerSize = 0;
        uint maxAttribute = 0;
        List<GenericNetlinkOperation> operations = [];
        AttributeReader attributes = message.GetAttributes(GenericNetlinkHeader.Size);
        while (attributes.TryRead(out NetlinkAttribute attribute))
        {
            switch (attribute.Type)
            {
                case GenericNetlinkKernel.CTRL_ATTR_FAMILY_ID:
                    id = attribute.GetU16();
                    break;
                case GenericNetlinkKernel.CTRL_ATTR_FAMILY_NAME:
                    name = attribute.GetString();
                    break;
                case GenericNetlinkKernel.CTRL_ATTR_VERSION:
                    version = attribute.GetU32();
                    break;
                case GenericNetlinkKernel.CTRL_ATTR_HDRSIZE:
                    headerSize = attribute.GetU32();
                    break;
                case GenericNetlinkKernel.CTRL_ATTR_MAXATTR:
                    maxAttribute = attribute.GetU32();
                    break;
                case GenericNetlinkKernel.CTRL_ATTR_OPS:
                    ReadOperations(attribute.GetNested(), operations);
                    break;
                default:
                    break;
            }
        }

        return new GenericNetlinkFamily(
            id ?? throw new NetlinkDecodeException("Controller reply lacks CTRL_ATTR_FAMILY_ID."),
            name ?? throw new NetlinkDecodeException("Controller reply lacks CTRL_ATTR_FAMILY_NAME."),
            version,
            headerSize,
            maxAttribute,
            operations);
    }

    /// <summary>CTRL_ATTR_OPS is a list: one nested attribute per operation, typed by its index (1, 2, ...).</summary>
    private static void ReadOperations(AttributeReader list, List<GenericNetlinkOperation> operations)
    {
        while (list.TryRead(out NetlinkAttribute entry))
        {
            uint? id = null;
            uint flags = 0;
            AttributeReader fields = entry.GetNested();
            while (fields.TryRead(out NetlinkAttribute field))
            {
                switch (field.Type)
                {
                    case GenericNetlinkKernel.CTRL_ATTR_OP_ID:
                        id = field.GetU32();
                        break;
                    case GenericNetlinkKernel.CTRL_ATTR_OP_FLAGS:
                        flags = field.GetU32();
                        break;
                    default:
                        break;
                }
            }

            operations.Add(new GenericNetlinkOperation(
                id ?? throw new NetlinkDecodeException($"Controller operation {entry.Type} lacks CTRL_ATTR_OP_ID."), flags));
        }
    }
}
