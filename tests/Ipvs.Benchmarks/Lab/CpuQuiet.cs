using System.Globalization;

namespace Ipvs.Benchmarks.Lab;

/// <summary>
/// Waits until the guest's CPU is idle again, so that kernel work left behind by one measurement (a deleted
/// namespace's IPVS table is torn down by a kernel worker) does not run inside the next one.
/// </summary>
internal static class CpuQuiet
{
    private const double IdleShare = 0.9;
    private static readonly TimeSpan _window = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan _limit = TimeSpan.FromSeconds(120);

    /// <summary>Returns once one window of <see cref="_window"/> was at least 90% idle, or after two minutes.</summary>
    public static void Wait()
    {
        DateTime giveUp = DateTime.UtcNow + _limit;
        (long idle, long total) previous = Read();
        while (DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(_window);
            (long idle, long total) current = Read();
            long total = current.total - previous.total;
            if (total > 0 && (double)(current.idle - previous.idle) / total >= IdleShare)
            {
                return;
            }

            previous = current;
        }
    }

    /// <summary>Idle and total jiffies from the aggregate <c>cpu</c> line of /proc/stat.</summary>
    private static (long Idle, long Total) Read()
    {
        using var stat = new StreamReader("/proc/stat");
        string line = stat.ReadLine() ?? throw new InvalidOperationException("/proc/stat is empty.");
        long[] fields = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(field => long.Parse(field, CultureInfo.InvariantCulture))];

        // user nice system idle iowait irq softirq steal ...: idle and iowait are the idle time.
        return (fields[3] + fields[4], fields.Sum());
    }
}
