using Microsoft.Win32.SafeHandles;

namespace Ipvs.Netlink.Sockets;

/// <summary>Owns a netlink socket descriptor and closes it exactly once.</summary>
internal sealed class NetlinkSocketHandle : SafeHandleMinusOneIsInvalid
{
    public NetlinkSocketHandle()
        : base(ownsHandle: true)
    {
    }

    public NetlinkSocketHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
