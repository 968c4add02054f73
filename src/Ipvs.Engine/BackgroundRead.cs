using Ipvs.Core.Kernel;

namespace Ipvs.Engine;

/// <summary>
/// The thread a resync's kernel read runs on: its own, because a one-CPU host's thread pool may have a single thread,
/// which a blocking dump would hold from the event passes.
/// </summary>
/// <remarks>
/// At normal CPU priority, on purpose. It once ran at nice 19 so that an event's pass would preempt it, but a thread
/// the process waits for must not be starved: a collection stops every thread until each reaches a safe point (and
/// runs on the thread that allocated), so on a one-CPU guest kept busy the whole agent stalled behind its nice-19
/// reader for minutes (lab, issue 12: no pass ran for 90 s and more after a resync's read started).
/// </remarks>
internal static class BackgroundRead
{
    public static Task<KernelTable> Start(Func<KernelTable> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var result = new TaskCompletionSource<KernelTable>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(read());
            }
            catch (Exception exception)
            {
                result.SetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "resync read",
        };
        thread.Start();
        return result.Task;
    }
}
