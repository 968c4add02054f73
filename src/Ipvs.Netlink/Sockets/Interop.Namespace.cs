using System.Runtime.InteropServices;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Sockets;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespaceRaw(int fd, int namespaceType);

    /// <summary>Opens <paramref name="path"/> read-only and close-on-exec; returns the descriptor or -errno.</summary>
    internal static int OpenReadOnly(string path)
    {
        while (true)
        {
            int fd = OpenRaw(path, SocketKernel.O_RDONLY | SocketKernel.O_CLOEXEC);
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

    /// <summary>Moves the calling thread into the network namespace <paramref name="namespaceFd"/>; 0 or -errno.</summary>
    internal static int SetNetworkNamespace(int namespaceFd)
    {
        while (true)
        {
            if (SetNamespaceRaw(namespaceFd, SocketKernel.CLONE_NEWNET) == 0)
            {
                return 0;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != SocketKernel.EINTR)
            {
                return -errno;
            }
        }
    }
}
