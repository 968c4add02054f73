using Ipvs.Core.Model;

namespace Ipvs.Core.Draining;

/// <summary>What to do about a real server that is draining or about to.</summary>
public enum DrainVerdict
{
    /// <summary>Keep it at weight 0 and look again next time.</summary>
    Wait,
    /// <summary>Delete it now.</summary>
    Delete,
}

/// <summary>A verdict and the plain-words reason for the log.</summary>
public readonly record struct DrainDecision(DrainVerdict Verdict, string Reason);

/// <summary>
/// The graceful-drain rules: a real server that is no longer wanted gets weight 0, then is deleted when it has no
/// active or inactive connections left or its deadline passes; UDP real servers are deleted at once, since UDP
/// "connections" are only the kernel's timers and waiting on them would keep a dead server for minutes.
/// </summary>
/// <param name="Timeout">How long a drain may last at most.</param>
public sealed record DrainPolicy(TimeSpan Timeout)
{
    public static readonly DrainPolicy Default = new(TimeSpan.FromMinutes(5));

    /// <summary>Decides for a real server that is not draining yet; a <see cref="Timeout"/> of 0 means no drain at all.</summary>
    public DrainDecision Begin(VirtualServiceKey service, RealServerConnections connections)
    {
        if (service.Protocol == IpvsProtocol.Udp)
        {
            return new(DrainVerdict.Delete, "not desired; UDP, deleted at once");
        }

        if (Timeout == TimeSpan.Zero && connections.TotalConnections > 0)
        {
            return new(DrainVerdict.Delete, $"not desired; drain timeout 0, deleted at once with {connections.TotalConnections} connections");
        }

        return connections.TotalConnections == 0
            ? new(DrainVerdict.Delete, "not desired; no connections")
            : new(DrainVerdict.Wait, $"not desired; draining {connections.TotalConnections} connections (weight 0)");
    }

    /// <summary>Decides for a real server that is draining.</summary>
    public static DrainDecision Continue(Drain drain, RealServerConnections connections, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(drain);
        if (connections.TotalConnections == 0)
        {
            return new(DrainVerdict.Delete, "drained: no connections left");
        }

        return now >= drain.Deadline
            ? new(DrainVerdict.Delete, $"drain deadline {drain.Deadline:O} passed with {connections.TotalConnections} connections left")
            : new(DrainVerdict.Wait, $"draining {connections.TotalConnections} connections until {drain.Deadline:O}");
    }

    /// <remarks>The deadline saturates at the latest representable time rather than overflow, whatever the timeout.</remarks>
    public Drain Start(VirtualServiceKey service, RealServerKey server, DateTimeOffset now) =>
        new(service, server, now, Timeout >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + Timeout);
}
