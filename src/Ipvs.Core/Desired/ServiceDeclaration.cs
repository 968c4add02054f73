using Ipvs.Core.Model;

namespace Ipvs.Core.Desired;

/// <summary>What one source declares about one virtual service: its configuration and the real servers it contributes.</summary>
/// <param name="Source">Who declares it.</param>
/// <param name="Service">The virtual service.</param>
/// <param name="RealServers">The real servers this declaration contributes.</param>
/// <param name="Name">The service's name (static <c>name:</c>, the labels' <c>&lt;svc&gt;</c>) that the DNS responder answers, or null.</param>
public sealed record ServiceDeclaration(DesiredSource Source, VirtualService Service, IReadOnlyList<RealServer> RealServers, string? Name = null);

/// <summary>Two sources disagree about a service or a real server; the later declaration was dropped.</summary>
/// <param name="Service">The service concerned.</param>
/// <param name="Kept">The source whose declaration stands.</param>
/// <param name="Dropped">The source whose declaration was dropped.</param>
/// <param name="Message">Plain words naming both sources and what differs.</param>
public sealed record DeclarationConflict(VirtualServiceKey Service, DesiredSource Kept, DesiredSource Dropped, string Message)
{
    public override string ToString() => Message;
}
