using System.Collections.Concurrent;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Core.Planning;
using Ipvs.Engine;

namespace Ipvs.Agent.Metrics;

/// <summary>The agent's own counters and the last kernel table read, for the Prometheus endpoint. Thread-safe.</summary>
internal sealed class AgentMetrics : IReconcileMetrics
{
    /// <summary>Upper bounds (seconds) of the reconcile duration histogram.</summary>
    public static readonly double[] DurationBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _durationCounts = new long[DurationBuckets.Length + 1];
    private readonly ConcurrentDictionary<IpvsOperationKind, long> _operations = new();
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _dnsQueries = new(StringComparer.Ordinal);
    private readonly Lock _durationLock = new();
    private double _durationSum;
    private long _driftRepairs;
    private int _conflicts;
    private long _lastSuccessUnixMilliseconds;
    private (KernelTable Table, OwnershipRecord Ownership)? _table;

    /// <summary>1 when Docker is connected, 0 when not, null when Docker is not a source.</summary>
    public Func<int?> DockerConnected { get; set; } = () => null;

    /// <summary>
    /// The checked real servers now (the health monitor's snapshot), read at each scrape: a server no longer checked
    /// has no series from the next scrape on, with no bookkeeping to forget.
    /// </summary>
    public Func<IReadOnlyList<(HealthTarget Target, HealthCheck Check, ServerHealth Health)>> HealthTargets { get; set; } = () => [];

    public void RecordSuccess(TimeSpan duration, DateTimeOffset at)
    {
        int bucket = Array.FindIndex(DurationBuckets, bound => duration.TotalSeconds <= bound);
        lock (_durationLock)
        {
            _durationCounts[bucket < 0 ? DurationBuckets.Length : bucket]++;
            _durationSum += duration.TotalSeconds;
        }

        Interlocked.Exchange(ref _lastSuccessUnixMilliseconds, at.ToUnixTimeMilliseconds());
    }

    public void RecordOperation(IpvsOperationKind kind, bool drift)
    {
        _operations.AddOrUpdate(kind, 1, (_, count) => count + 1);
        if (drift)
        {
            Interlocked.Increment(ref _driftRepairs);
        }
    }

    public void RecordError(string kind) => _errors.AddOrUpdate(kind, 1, (_, count) => count + 1);

    /// <summary>A DNS response sent, by its response code (NOERROR, NXDOMAIN, ...).</summary>
    public void RecordDnsQuery(string responseCode) => _dnsQueries.AddOrUpdate(responseCode, 1, (_, count) => count + 1);

    /// <summary>DNS responses by response code; empty while the responder is off or has answered nothing.</summary>
    public IReadOnlyDictionary<string, long> DnsQueries => _dnsQueries;

    public void SetConflicts(int count) => Volatile.Write(ref _conflicts, count);

    public void SetKernelTable(KernelTable table, OwnershipRecord ownership) => _table = (table, ownership);

    public (KernelTable Table, OwnershipRecord Ownership)? KernelTable => _table;

    public IReadOnlyDictionary<IpvsOperationKind, long> Operations => _operations;

    public IReadOnlyDictionary<string, long> Errors => _errors;

    public long DriftRepairs => Interlocked.Read(ref _driftRepairs);

    public int Conflicts => Volatile.Read(ref _conflicts);

    public DateTimeOffset? LastSuccess => Interlocked.Read(ref _lastSuccessUnixMilliseconds) is var milliseconds && milliseconds > 0
        ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
        : null;

    /// <summary>Cumulative bucket counts (Prometheus <c>le</c> semantics), the sum and the count.</summary>
    public (long[] Cumulative, double Sum, long Count) Durations()
    {
        lock (_durationLock)
        {
            long[] cumulative = new long[_durationCounts.Length];
            long running = 0;
            for (int i = 0; i < _durationCounts.Length; i++)
            {
                running += _durationCounts[i];
                cumulative[i] = running;
            }

            return (cumulative, _durationSum, running);
        }
    }
}
