using System.Runtime.InteropServices;

namespace Ipvs.Agent.Native;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriorityRaw(int which, int who, int priority);

    [LibraryImport(LibC, EntryPoint = "gettid")]
    private static partial int GetThreadId();

    /// <summary>
    /// Gives the calling thread the lowest CPU priority (nice 19), for work that may wait behind everything else;
    /// 0 or -errno. Niceness is per thread on Linux (who = the thread id), and lowering one's own needs no privilege.
    /// </summary>
    internal static int LowerThreadPriority()
    {
        const int lowestPriority = 19;
        int result;
        do
        {
            result = SetPriorityRaw(PRIO_PROCESS, GetThreadId(), lowestPriority);
        }
        while (Interrupted(result));

        return Result(result);
    }
}
