using Ipvs.Core.Health;

namespace Ipvs.Agent.Health;

/// <summary>One checked real server in <c>health.json</c>: how it is checked and its health.</summary>
/// <param name="Kind">TCP, HTTP or HTTPS.</param>
/// <param name="Port">The port checked (the server's own unless the check names another).</param>
/// <param name="Path">The HTTP path; <c>/</c> for a TCP check.</param>
/// <param name="Interval">Time between two checks.</param>
/// <param name="Health">Up or down, since when, the counts and the last result.</param>
internal sealed record HealthStateEntry(HealthCheckKind Kind, ushort Port, string Path, TimeSpan Interval, ServerHealth Health);
