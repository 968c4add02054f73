using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Sockets;

/// <summary>
/// The libc calls the netlink socket needs. Every wrapper retries EINTR itself, so callers only ever see a result
/// or a real errno (returned as a negative number, the kernel's own convention).
/// </summary>
internal static unsafe partial class Interop
{
    private const string LibC = "libc";

    [LibraryImport(LibC, EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketRaw(int domain, int type, int protocol);

    [LibraryImport(LibC, EntryPoint = "bind", SetLastError = true)]
    private static partial int BindRaw(SafeHandle socket, SockAddrNl* address, uint addressLength);

    [LibraryImport(LibC, EntryPoint = "getsockname", SetLastError = true)]
    private static partial int GetSockNameRaw(SafeHandle socket, SockAddrNl* address, uint* addressLength);

    [LibraryImport(LibC, EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOptRaw(SafeHandle socket, int level, int option, void* value, uint valueLength);

    [LibraryImport(LibC, EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOptRaw(SafeHandle socket, int level, int option, void* value, uint* valueLength);

    [LibraryImport(LibC, EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToRaw(SafeHandle socket, void* buffer, nuint length, int flags, SockAddrNl* address, uint addressLength);

    [LibraryImport(LibC, EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int ReceiveMultipleRaw(SafeHandle socket, MultiMessageHeader* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>Returns the new descriptor, or -errno.</summary>
    internal static int Socket(int domain, int type, int protocol)
    {
        while (true)
        {
            int fd = SocketRaw(domain, type, protocol);
            if (fd >= 0)
            {
                return fd;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != SocketKernel.EINTR)
            {
                return -errno;
            }
        }
    }

    internal static int Bind(SafeHandle socket, in SockAddrNl address)
    {
        SockAddrNl copy = address;
        int status;
        do
        {
            status = BindRaw(socket, &copy, (uint)sizeof(SockAddrNl));
        }
        while (Interrupted(status));

        return Result(status);
    }

    internal static int GetSockName(SafeHandle socket, out SockAddrNl address)
    {
        SockAddrNl result = default;
        uint length = (uint)sizeof(SockAddrNl);
        int status;
        do
        {
            status = GetSockNameRaw(socket, &result, &length);
        }
        while (Interrupted(status));

        address = result;
        return Result(status);
    }

    internal static int SetSockOpt(SafeHandle socket, int level, int option, int value)
    {
        int status;
        do
        {
            status = SetSockOptRaw(socket, level, option, &value, sizeof(int));
        }
        while (Interrupted(status));

        return Result(status);
    }

    internal static int SetSockOpt(SafeHandle socket, int level, int option, in TimeValue value)
    {
        TimeValue copy = value;
        int status;
        do
        {
            status = SetSockOptRaw(socket, level, option, &copy, (uint)sizeof(TimeValue));
        }
        while (Interrupted(status));

        return Result(status);
    }

    internal static int GetSockOpt(SafeHandle socket, int level, int option, out int value)
    {
        int result = 0;
        uint length = sizeof(int);
        int status;
        do
        {
            status = GetSockOptRaw(socket, level, option, &result, &length);
        }
        while (Interrupted(status));

        value = result;
        return Result(status);
    }

    /// <summary>Sends the whole buffer to the kernel as one datagram; returns bytes sent or -errno.</summary>
    internal static long SendToKernel(SafeHandle socket, ReadOnlySpan<byte> buffer)
    {
        SockAddrNl kernel = SockAddrNl.Kernel;
        fixed (byte* data = buffer)
        {
            while (true)
            {
                nint sent = SendToRaw(socket, data, (nuint)buffer.Length, 0, &kernel, (uint)sizeof(SockAddrNl));
                if (sent >= 0)
                {
                    return sent;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != SocketKernel.EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>
    /// Receives up to <paramref name="lengths"/>.Length datagrams in one syscall, each into its own
    /// <paramref name="slotSize"/>-byte slot of <paramref name="buffer"/>: blocks for the first only (MSG_WAITFORONE)
    /// and takes whatever else is already queued. Returns how many arrived, or -errno; fills each one's length,
    /// sender and msg_flags.
    /// </summary>
    internal static int ReceiveMany(SafeHandle socket, Span<byte> buffer, int slotSize, Span<int> lengths, Span<SockAddrNl> senders, Span<int> messageFlags)
    {
        int slots = lengths.Length;
        if (slots > MaxReceiveSlots || buffer.Length < slots * slotSize || senders.Length < slots || messageFlags.Length < slots)
        {
            throw new ArgumentException($"recvmmsg needs at most {MaxReceiveSlots} slots of {slotSize} bytes with room for each one's results.", nameof(lengths));
        }

        IoVector* vectors = stackalloc IoVector[slots];
        MultiMessageHeader* headers = stackalloc MultiMessageHeader[slots];
        fixed (byte* data = buffer)
        fixed (SockAddrNl* from = senders)
        {
            while (true)
            {
                for (int slot = 0; slot < slots; slot++)
                {
                    vectors[slot] = new IoVector { Base = data + (slot * slotSize), Length = (nuint)slotSize };
                    from[slot] = default;
                    headers[slot] = new MultiMessageHeader
                    {
                        Header = new MessageHeader { Name = &from[slot], NameLength = (uint)sizeof(SockAddrNl), Vectors = &vectors[slot], VectorCount = 1 },
                    };
                }

                int received = ReceiveMultipleRaw(socket, headers, (uint)slots, SocketKernel.MSG_WAITFORONE, null);
                if (received >= 0)
                {
                    for (int slot = 0; slot < received; slot++)
                    {
                        lengths[slot] = (int)headers[slot].Length;
                        messageFlags[slot] = headers[slot].Header.Flags;
                    }

                    return received;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != SocketKernel.EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>Bounds the stack the slot headers take.</summary>
    internal const int MaxReceiveSlots = 64;

    private static bool Interrupted(int status) => status < 0 && Marshal.GetLastPInvokeError() == SocketKernel.EINTR;

    private static int Result(int status) => status < 0 ? -Marshal.GetLastPInvokeError() : status;
}
