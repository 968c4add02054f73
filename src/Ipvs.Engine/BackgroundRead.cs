using Ipvs.Core.Kernel;

namespace Ipvs.Engine;

/// <summary>
/// The thread a resync's kernel read runs on: its own, because a one-CPU host's thread pool may have a single thread,
/// which a blocking dump would hold from the event passes. The reading gateway lowers the thread's CPU priority
/// itself (an I/O edge decision: see the agent's <c>KernelGateway</c>).
/// </summary>
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
