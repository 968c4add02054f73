using System.Runtime.InteropServices;

namespace Ipvs.Agent.Native;

/// <summary>
/// The file calls .NET does not offer: an open that does not block on a FIFO, the file type of an open descriptor,
/// fsync of a directory. Every wrapper retries EINTR itself and returns the result or -errno, as the netlink socket's
/// interop does.
/// </summary>
internal static unsafe partial class Interop
{
    private const string LibC = "libc";

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxRaw(int directoryFd, string path, int flags, uint mask, Statx* result);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSyncRaw(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    /// <summary>Opens <paramref name="path"/> with <paramref name="flags"/>; the descriptor or -errno.</summary>
    internal static int Open(string path, int flags)
    {
        int fd;
        do
        {
            fd = OpenRaw(path, flags);
        }
        while (Interrupted(fd));

        return Result(fd);
    }

    /// <summary>The file type bits (<see cref="S_IFMT"/>) of the open descriptor <paramref name="fd"/>; 0 or -errno.</summary>
    internal static int FileType(int fd, out int type)
    {
        Statx status = default;
        int result;
        do
        {
            // statx rather than fstat: its struct is the same on every architecture.
            result = StatxRaw(fd, string.Empty, AT_EMPTY_PATH, STATX_TYPE, &status);
        }
        while (Interrupted(result));

        type = status.Mode & S_IFMT;
        return Result(result);
    }

    /// <summary>Flushes the file (or directory) behind <paramref name="fd"/> to disk; 0 or -errno.</summary>
    internal static int FileSync(int fd)
    {
        int result;
        do
        {
            result = FileSyncRaw(fd);
        }
        while (Interrupted(result));

        return Result(result);
    }

    /// <summary>0 or -errno. Never retried: on Linux the descriptor is gone even when close reports EINTR.</summary>
    internal static int Close(int fd) => Result(CloseRaw(fd));

    private static bool Interrupted(int status) => status < 0 && Marshal.GetLastPInvokeError() == EINTR;

    private static int Result(int status) => status < 0 ? -Marshal.GetLastPInvokeError() : status;

    /// <summary>struct statx: 256 bytes on every architecture; only the fields read here are named.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct Statx
    {
        [FieldOffset(0)]
        public uint Mask;

        [FieldOffset(28)]
        public ushort Mode;
    }
}
