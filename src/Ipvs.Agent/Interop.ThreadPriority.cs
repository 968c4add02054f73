using System.Runtime.InteropServices;

namespace Ipvs.Agent;

/// <summary>The calling thread's CPU priority (niceness is per thread on Linux: <c>who</c> = the thread id).</summary>
internal static partial class ThreadPriority
{
    private const int PRIO_PROCESS = 0;
    private const int LowestPriority = 19;

    /// <summary>
    /// Lowers the calling thread to the lowest priority. Needs no privilege; a failure costs only latency, so it is
    /// ignored. setpriority does not fail with EINTR (it does not block).
    /// </summary>
    public static void LowerCurrentThread()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = setpriority(PRIO_PROCESS, gettid(), LowestPriority);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}
