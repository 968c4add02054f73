namespace Ipvs.Agent.Native;

/// <summary>
/// The libc constants the agent's own system calls need, with their C names so they can be grepped against the
/// headers; native/probe.c prints each and InteropConstantsTests proves the values. Only values that are the same on
/// x86-64 and arm64 are used (O_DIRECTORY, which differs, is avoided).
/// </summary>
internal static partial class Interop
{
    internal const int O_RDONLY = 0;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    internal const int EINTR = 4;
    internal const int ENOENT = 2;
    internal const int EACCES = 13;
    internal const int EWOULDBLOCK = 11;

    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_TYPE = 0x1;

    internal const int S_IFMT = 0xF000;
    internal const int S_IFSOCK = 0xC000;
    internal const int S_IFREG = 0x8000;
    internal const int S_IFBLK = 0x6000;
    internal const int S_IFDIR = 0x4000;
    internal const int S_IFCHR = 0x2000;
    internal const int S_IFIFO = 0x1000;
}
