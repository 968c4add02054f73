using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Wire;

/// <summary>The kernel's answer to one request: an errno (0 = ACK) and, with extended ACK, its explanation.</summary>
/// <param name="Errno">Positive errno; 0 when the request succeeded.</param>
/// <param name="Sequence">Sequence number of the request this answers (from the echoed header).</param>
/// <param name="Message">The kernel's extended-ACK text (NLMSGERR_ATTR_MSG), if any.</param>
/// <param name="Offset">Byte offset into the request of the offending attribute (NLMSGERR_ATTR_OFFS), if any.</param>
public readonly record struct NetlinkError(int Errno, uint Sequence, string? Message, uint? Offset)
{
    public bool IsAck => Errno == 0;
}

/// <summary>Decodes <c>NLMSG_ERROR</c> messages: errors and ACKs.</summary>
/// <remarks>
/// <code>
/// +---------------------------------------------------------------+
/// | nlmsghdr (type NLMSG_ERROR, flags NLM_F_CAPPED/NLM_F_ACK_TLVS) |
/// +---------------------------------------------------------------+
/// |            error: int, negative errno (0 = ACK)               |
/// +---------------------------------------------------------------+
/// |      the request's nlmsghdr (16 bytes, echoed as sent)        |
/// +---------------------------------------------------------------+
/// |  the request's payload: absent when NLM_F_CAPPED is set       |
/// +---------------------------------------------------------------+
/// |  extended-ACK attributes (only with NLM_F_ACK_TLVS):          |
/// |  NLMSGERR_ATTR_MSG (string), NLMSGERR_ATTR_OFFS (u32), ...    |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
public static class NetlinkErrorMessage
{
    /// <summary>The fixed part of <c>struct nlmsgerr</c>: the error and the echoed header.</summary>
    public const int FixedSize = sizeof(int) + NetlinkHeader.Size;

    // Linux errnos are below 4096 (MAX_ERRNO); anything else is not an errno the kernel sent.
    private const int MaxErrno = 4095;

    public static bool IsError(in NetlinkMessage message) => message.Header.Type == NetlinkKernel.NLMSG_ERROR;

    /// <summary>True when <paramref name="message"/> is an <c>NLMSG_ERROR</c> carrying error 0 (a positive ACK).</summary>
    public static bool IsAck(in NetlinkMessage message) =>
        IsError(message) && message.Payload.Length >= sizeof(int) && MemoryMarshal.Read<int>(message.Payload) == 0;

    public static NetlinkError Read(in NetlinkMessage message)
    {
        if (!IsError(message))
        {
            throw new NetlinkDecodeException($"Message type {message.Header.Type} is not NLMSG_ERROR ({NetlinkKernel.NLMSG_ERROR}).");
        }

        ReadOnlySpan<byte> payload = message.Payload;
        if (payload.Length < FixedSize)
        {
            throw new NetlinkDecodeException($"NLMSG_ERROR has {payload.Length} payload bytes, needs {FixedSize}.");
        }

        int error = MemoryMarshal.Read<int>(payload);
        if (error > 0 || error < -MaxErrno)
        {
            throw new NetlinkDecodeException($"NLMSG_ERROR carries error {error}, not a negated errno.");
        }

        NetlinkHeader request = NetlinkHeader.Read(payload[sizeof(int)..]);
        string? text = null;
        uint? offset = null;
        if (message.Header.HasFlag(NetlinkKernel.NLM_F_ACK_TLVS))
        {
            int attributesStart = sizeof(int) + NetlinkHeader.Size;
            if (!message.Header.HasFlag(NetlinkKernel.NLM_F_CAPPED))
            {
                if (request.Length < NetlinkHeader.Size || request.Length > payload.Length - sizeof(int))
                {
                    throw new NetlinkDecodeException(
                        $"NLMSG_ERROR echoes a request of {request.Length} bytes, but only {payload.Length - sizeof(int)} follow the error.");
                }

                attributesStart = NetlinkAlignment.Align(sizeof(int) + (int)request.Length);
            }

            var attributes = new AttributeReader(payload[Math.Min(attributesStart, payload.Length)..]);
            while (attributes.TryRead(out NetlinkAttribute attribute))
            {
                switch (attribute.Type)
                {
                    case NetlinkKernel.NLMSGERR_ATTR_MSG:
                        text = attribute.GetString();
                        break;
                    case NetlinkKernel.NLMSGERR_ATTR_OFFS:
                        offset = attribute.GetU32();
                        break;
                    default:
                        break;
                }
            }
        }

        return new NetlinkError(-error, request.Sequence, text, offset);
    }
}
