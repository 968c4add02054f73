using System.Globalization;
using System.Text.Json;
using Ipvs.Agent.Configuration;
using Ipvs.Agent.Health;
using Ipvs.Agent.Process;
using Ipvs.Agent.Reconciliation;
using Ipvs.Agent.ServiceNames;
using Ipvs.Core.Desired;
using Ipvs.Core.Draining;
using Ipvs.Core.Health;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;
using Ipvs.Netlink;
using Ipvs.Netlink.Ipvs;

namespace Ipvs.Agent.Commands;

/// <summary>
/// <c>status</c>: the kernel table as <c>ipvsadm -Ln</c> shows it, with owner, source and drain state, and the health
/// of checked real servers as the daemon last saved it (<c>health.json</c>); the desired state's problems (service
/// name conflicts among them) as warnings.
/// </summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(CliContext context, AgentOptions options, bool json, CancellationToken cancellationToken)
    {
        var sources = new List<IDesiredSource>();
        if (options.ServicesFile is { } file)
        {
            sources.Add(OneShot.ReadServicesFile(file));
        }

        if (options.DockerEnabled && await OneShot.ReadDockerAsync(options, context.Error, cancellationToken) is { } docker)
        {
            sources.Add(docker);
        }

        DesiredInput input = new DesiredStateAssembler(sources, null, ServiceNameDns.NameCheck(options)).Assemble();
        DesiredState desired = input.State;
        OwnershipRecord ownership = await OneShot.LoadOwnershipAsync(options, context.Error);
        IReadOnlyList<ManualDrain> manual = new ManualDrainStore(options.StateDir).Load();
        HealthStateReader health = HealthStateReader.Open(options.StateDir, out string? healthProblem);
        if (healthProblem is not null)
        {
            await context.Error.WriteLineAsync($"ipvs-agent: warning: {healthProblem}");
        }

        KernelTable table;
        IpvsTimeouts? timeouts = null;
        using (IKernelGateway kernel = KernelConnection.Open(context.OpenKernel))
        {
            table = kernel.ReadTable();
            try
            {
                timeouts = (kernel as KernelGateway)?.Client.GetTimeouts();
            }
            catch (NetlinkException exception)
            {
                await context.Error.WriteLineAsync($"ipvs-agent: warning: the IPVS timeouts are not shown: {exception.Message}");
            }
        }

        // Owned means made by the agent and as it left it (what the daemon's next read decides too).
        ownership = ReconcileRules.ConfirmIdentity(ownership, table, out _);
        foreach (string problem in table.Unreadable)
        {
            await context.Error.WriteLineAsync($"ipvs-agent: warning: an IPVS entry is not shown (and is left alone): {problem}");
        }

        // What the daemon would warn about in the same desired state: declarations it cannot use, conflicts (service
        // names too); the table is still shown.
        foreach (string problem in input.Problems)
        {
            await context.Error.WriteLineAsync($"ipvs-agent: warning: {problem}");
        }

        Write(context.Out, json, table, desired, ownership, manual, timeouts, health.State, context.Time.GetUtcNow());
        return ExitCodes.Ok;
    }

    /// <summary>Writes the table, as text or JSON; the pure part of the verb.</summary>
    internal static void Write(TextWriter output, bool json, KernelTable table, DesiredState desired, OwnershipRecord ownership,
        IReadOnlyList<ManualDrain> manual, IpvsTimeouts? timeouts, HealthState? health, DateTimeOffset now)
    {
        // Once for the file, not per server: staleness looks at every target's interval.
        bool stale = health?.IsStale(now) ?? false;
        List<ServiceRow> rows = [.. table.OrderedServices.Select(service => Row(service, desired, ownership, health, stale, now))];
        if (json)
        {
            WriteJson(output, rows, manual, timeouts);
        }
        else
        {
            WriteText(output, rows, manual, timeouts);
        }
    }

    /// <summary>
    /// A checked real server's health: <see cref="Saved"/> from the daemon's file (null before its first save of this
    /// server: not checked yet), <see cref="Text"/> as the text column shows it.
    /// </summary>
    private sealed record HealthCell(string Text, ServerHealth? Saved, bool Stale, bool Fallback);

    private sealed record ServerRow(KernelRealServer Server, string State, DesiredSource? Source, HealthCell? Health);

    private sealed record ServiceRow(KernelService Service, string Owner, DesiredSource? Source, IReadOnlyList<ServerRow> Servers, IReadOnlyList<string>? Names = null);

    private static ServiceRow Row(KernelService service, DesiredState desired, OwnershipRecord ownership, HealthState? health, bool stale, DateTimeOffset now)
    {
        bool owned = ownership.Owns(service.Key);
        desired.Services.TryGetValue(service.Key, out DesiredService? wanted);
        var servers = service.OrderedRealServers.Select(server =>
        {
            DesiredRealServer? wantedServer = wanted?.RealServers.GetValueOrDefault(server.Key);
            string state = !owned ? "-"
                : ownership.Drains.TryGetValue(new DrainKey(service.Key, server.Key), out Drain? drain) ? $"draining until {drain.Deadline.ToString("u", CultureInfo.InvariantCulture)}"
                : server.Server.Weight == 0 ? "weight 0"
                : "serving";
            return new ServerRow(server, state, wantedServer?.Source, Health(service.Key, server.Key, wanted, wantedServer, health, stale, now));
        }).ToList();
        return new ServiceRow(service, owned ? "owned" : "foreign", wanted?.Source, servers, service.Key.IsFirewallMark ? null : wanted?.Names);
    }

    /// <summary>
    /// The health of a real server the daemon checks (its saved state, or "not checked yet" when the declarations check it
    /// and the daemon has saved nothing of it), or of the service's fallback; null for a server nobody checks.
    /// </summary>
    private static HealthCell? Health(VirtualServiceKey service, RealServerKey server, DesiredService? wanted, DesiredRealServer? wantedServer, HealthState? health, bool stale, DateTimeOffset now)
    {
        if (wanted?.Fallback?.Key == server && wantedServer is null)
        {
            return new HealthCell(HealthText.Fallback, null, false, true);
        }

        if (health?.Targets.GetValueOrDefault(new HealthTarget(service, server)) is { } saved)
        {
            return new HealthCell(stale ? HealthText.Stale(health.WrittenAt, now) : HealthText.Describe(saved.Health, now), saved.Health, stale, false);
        }

        return wantedServer?.Check is null ? null : new HealthCell(HealthText.NotCheckedYet, null, false, false);
    }

    private static void WriteText(TextWriter output, List<ServiceRow> rows, IReadOnlyList<ManualDrain> manual, IpvsTimeouts? timeouts)
    {
        output.WriteLine($"IP Virtual Server: {rows.Count} services ({rows.Count(row => row.Owner == "owned")} owned by ipvs-agent)");
        if (timeouts is { } kernelTimeouts)
        {
            // ipvsadm -L --timeout's own words, so the two read alike.
            output.WriteLine($"Timeout (tcp tcpfin udp): {kernelTimeouts.TcpSeconds} {kernelTimeouts.TcpFinSeconds} {kernelTimeouts.UdpSeconds}");
        }

        output.WriteLine("Prot LocalAddress:Port Scheduler Flags                      Owner    Source");
        // The source column is as wide as its longest entry, so that the health column lines up after it.
        int sourceWidth = Math.Max("Source".Length, rows.SelectMany(row => row.Servers).Select(server => SourceText(server.Source).Length).DefaultIfEmpty(0).Max());
        bool anyHealth = rows.Any(row => row.Servers.Any(server => server.Health is not null));
        output.WriteLine(anyHealth
            ? $"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn State      {"Source".PadRight(sourceWidth)} Health"
            : "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn State      Source");
        foreach (ServiceRow row in rows)
        {
            VirtualService service = row.Service.Service;
            string flags = service.Flags.HasFlag(ServiceFlags.Persistent) ? $"persistent {service.TimeoutSeconds}" : string.Empty;
            string key = service.Key.IsFirewallMark ? $"FWM  {service.Key.FirewallMark}" : $"{VirtualServiceKey.ProtocolName(service.Key.Protocol),-4} {service.Key.Address.ToEndpointHost()}:{service.Key.Port}";
            output.WriteLine($"{$"{key} {service.Scheduler} {flags}",-55} {row.Owner,-8} {row.Source?.ToShortString() ?? "-"}{(row.Names is { Count: > 0 } names ? $" name {string.Join(", ", names)}" : string.Empty)}");
            foreach (ServerRow server in row.Servers)
            {
                RealServer real = server.Server.Server;
                RealServerConnections status = server.Server.Connections;
                string source = server.Health is { } cell ? $"{SourceText(server.Source).PadRight(sourceWidth)} {cell.Text}" : SourceText(server.Source);
                output.WriteLine($"  -> {real.Key,-28} {IpvsVocabulary.IpvsadmMethodName(real.Method),-7} {real.Weight,-6} {status.ActiveConnections,-10} {status.InactiveConnections,-9} {server.State,-10} {source}");
            }
        }

        foreach (ManualDrain drain in manual)
        {
            output.WriteLine($"Manual drain: {drain} (since {drain.RequestedAt.ToString("u", CultureInfo.InvariantCulture)})");
        }
    }

    private static string SourceText(DesiredSource? source) => source?.ToShortString() ?? "-";

    private static void WriteJson(TextWriter output, List<ServiceRow> rows, IReadOnlyList<ManualDrain> manual, IpvsTimeouts? timeouts)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            if (timeouts is { } kernelTimeouts)
            {
                writer.WriteStartObject("timeoutSeconds");
                writer.WriteNumber("tcp", kernelTimeouts.TcpSeconds);
                writer.WriteNumber("tcpFin", kernelTimeouts.TcpFinSeconds);
                writer.WriteNumber("udp", kernelTimeouts.UdpSeconds);
                writer.WriteEndObject();
            }

            writer.WriteStartArray("services");
            foreach (ServiceRow row in rows)
            {
                VirtualService service = row.Service.Service;
                writer.WriteStartObject();
                writer.WriteString("service", service.Key.ToString());
                writer.WriteString("scheduler", service.Scheduler);
                writer.WriteString("flags", ConfigDifference.FormatFlags(service.Flags & ~ServiceFlags.Hashed));
                writer.WriteString("owner", row.Owner);
                writer.WriteString("source", row.Source?.ToString());
                writer.WriteString("name", row.Names is { Count: > 0 } names ? string.Join(',', names) : null);
                writer.WriteNumber("connections", service.Key.IsFirewallMark ? 0 : row.Service.Status.Statistics.Connections);
                writer.WriteStartArray("servers");
                foreach (ServerRow server in row.Servers)
                {
                    writer.WriteStartObject();
                    writer.WriteString("server", server.Server.Key.ToString());
                    writer.WriteString("forward", IpvsVocabulary.IpvsadmMethodName(server.Server.Server.Method));
                    writer.WriteNumber("weight", server.Server.Server.Weight);
                    writer.WriteNumber("activeConnections", server.Server.Connections.ActiveConnections);
                    writer.WriteNumber("inactiveConnections", server.Server.Connections.InactiveConnections);
                    writer.WriteString("state", server.State);
                    writer.WriteString("source", server.Source?.ToString());
                    if (server.Health is { } health)
                    {
                        WriteHealth(writer, health);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("manualDrains");
            foreach (ManualDrain drain in manual)
            {
                writer.WriteStringValue(drain.ToString());
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary><c>"fallback": true</c> for a fallback; otherwise a <c>health</c> object (up and since null before the first save).</summary>
    private static void WriteHealth(Utf8JsonWriter writer, HealthCell health)
    {
        if (health.Fallback)
        {
            writer.WriteBoolean("fallback", true);
            return;
        }

        writer.WriteStartObject("health");
        if (health.Saved is { } saved)
        {
            writer.WriteBoolean("up", saved.Up);
            writer.WriteString("since", saved.Since);
            writer.WriteNumber("consecutiveFailures", saved.ConsecutiveFailures);
        }
        else
        {
            writer.WriteNull("up");
            writer.WriteNull("since");
            writer.WriteNumber("consecutiveFailures", 0);
        }

        writer.WriteBoolean("stale", health.Stale);
        if (health.Saved?.Last is { } last)
        {
            writer.WriteStartObject("last");
            writer.WriteBoolean("passed", last.Passed);
            writer.WriteString("detail", last.Detail);
            writer.WriteNumber("durationMs", Math.Round(last.Duration.TotalMilliseconds, 3));
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("last");
        }

        writer.WriteString("text", health.Text);
        writer.WriteEndObject();
    }
}
