using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Engine;

/// <summary>Checks one real server once (TCP connect, HTTP GET): the I/O edge of the health monitor.</summary>
internal interface IHealthProbe
{
    /// <summary>
    /// Checks <paramref name="address"/>:<paramref name="port"/> as <paramref name="check"/> says. A failure is an
    /// answer (<see cref="ProbeAnswer.Passed"/> false, in plain words), not an exception; the token ends the check
    /// when its timeout passes.
    /// </summary>
    Task<ProbeAnswer> CheckAsync(HealthCheck check, NetAddress address, ushort port, CancellationToken cancellationToken);
}
