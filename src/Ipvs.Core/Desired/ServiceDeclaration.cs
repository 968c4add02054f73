using Ipvs.Core.Health;
using Ipvs.Core.Model;

namespace Ipvs.Core.Desired;

/// <summary>What one source declares about one virtual service: its configuration and the real servers it contributes.</summary>
/// <param name="Source">Who declares it.</param>
/// <param name="Service">The virtual service.</param>
/// <param name="RealServers">The real servers this declaration contributes.</param>
/// <param name="Name">The service's name (static <c>name:</c>, the labels' <c>&lt;svc&gt;</c>) that the DNS responder answers, or null.</param>
/// <param name="Check">The health check of its real servers, or null.</param>
/// <param name="CheckOverrides">Real servers checked otherwise than <paramref name="Check"/> says (null value: not checked).</param>
/// <param name="Fallback">The sorry server, or null.</param>
public sealed record ServiceDeclaration(
    DesiredSource Source,
    VirtualService Service,
    IReadOnlyList<RealServer> RealServers,
    string? Name = null,
    HealthCheck? Check = null,
    IReadOnlyDictionary<RealServerKey, HealthCheck?>? CheckOverrides = null,
    RealServer? Fallback = null)
{
    /// <summary>How <paramref name="server"/> is checked: its override, or the service's check.</summary>
    public HealthCheck? CheckFor(RealServerKey server) =>
        CheckOverrides is not null && CheckOverrides.TryGetValue(server, out HealthCheck? check) ? check : Check;

    /// <summary>Equal in everything the merge uses (records compare lists by reference).</summary>
    public bool SameAs(ServiceDeclaration other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(this, other)
            || (Source.Equals(other.Source)
                && Service.Equals(other.Service)
                && RealServers.SequenceEqual(other.RealServers)
                && string.Equals(Name, other.Name, StringComparison.Ordinal)
                && Equals(Check, other.Check)
                && Equals(Fallback, other.Fallback)
                && SameOverrides(CheckOverrides, other.CheckOverrides));
    }

    private static bool SameOverrides(IReadOnlyDictionary<RealServerKey, HealthCheck?>? left, IReadOnlyDictionary<RealServerKey, HealthCheck?>? right) =>
        (left?.Count ?? 0) == (right?.Count ?? 0)
        && (left is null || left.All(pair => right!.TryGetValue(pair.Key, out HealthCheck? check) && Equals(check, pair.Value)));
}

/// <summary>Two sources disagree about a service or a real server; the later declaration was dropped.</summary>
/// <param name="Service">The service concerned.</param>
/// <param name="Kept">The source whose declaration stands.</param>
/// <param name="Dropped">The source whose declaration was dropped.</param>
/// <param name="Message">Plain words naming both sources and what differs.</param>
public sealed record DeclarationConflict(VirtualServiceKey Service, DesiredSource Kept, DesiredSource Dropped, string Message)
{
    public override string ToString() => Message;
}
