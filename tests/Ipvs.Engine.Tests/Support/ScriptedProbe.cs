using System.Collections.Concurrent;
using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Engine.Tests.Support;

/// <summary>A probe whose answer per address the test sets (default: passes), counting checks and checks in flight.</summary>
internal sealed class ScriptedProbe : IHealthProbe
{
    private readonly ConcurrentDictionary<NetAddress, Func<CancellationToken, Task<ProbeAnswer>>> _answers = new();
    private readonly ConcurrentDictionary<NetAddress, int> _checks = new();
    private int _inFlight;
    private int _mostInFlight;

    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    public int ChecksOf(string address) => _checks.GetValueOrDefault(NetAddress.Parse(address));

    public int TotalChecks => _checks.Values.Sum();

    public void Answer(string address, bool passed) =>
        _answers[NetAddress.Parse(address)] = _ => Task.FromResult(new ProbeAnswer(passed, passed ? "connected" : "connection refused"));

    public void Answer(string address, Func<CancellationToken, Task<ProbeAnswer>> answer) => _answers[NetAddress.Parse(address)] = answer;

    public async Task<ProbeAnswer> CheckAsync(HealthCheck check, NetAddress address, ushort port, CancellationToken cancellationToken)
    {
        _checks.AddOrUpdate(address, 1, (_, count) => count + 1);
        int inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _mostInFlight, inFlight);
        try
        {
            return _answers.TryGetValue(address, out var answer)
                ? await answer(cancellationToken)
                : new ProbeAnswer(true, "connected");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
