using System.Globalization;
using Docker.DotNet.Models;
using Ipvs.Core.Desired;
using Ipvs.Core.Model;
using Ipvs.Docker.Labels;

namespace Ipvs.Docker.Discovery;

/// <summary>
/// Turns what Docker reports (container inspect results; swarm services, tasks and nodes on a manager) into Docker-side
/// declarations. Pure: the same inventory always gives the same declarations.
/// </summary>
/// <remarks>
/// A container or <c>&lt;svc&gt;</c> name with a problem is reported and left out; the others keep serving. When
/// sources sharing a <c>&lt;svc&gt;</c> and VIP (or a kernel service) disagree on scheduler, persistence or protocol,
/// the oldest source stands and the newer one is dropped and reported, so a misconfigured newcomer cannot change or
/// take down a running service.
/// </remarks>
public static class DockerDeclarationsBuilder
{
    private const string IngressNetwork = "ingress";

    private static readonly NetAddress _anyV4 = NetAddress.Parse("0.0.0.0");
    private static readonly NetAddress _anyV6 = NetAddress.Parse("::");

    public static DockerDeclarations Build(DockerInventory inventory, DiscoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<DiscoveryError>();
        var candidates = new List<Candidate>();
        // Sorted so that errors come out in the same order however Docker listed the containers.
        foreach (ContainerInspectResponse container in inventory.Containers.OrderBy(container => container.Created).ThenBy(container => container.ID, StringComparer.Ordinal))
        {
            AddContainer(container, options, candidates, errors);
        }

        if (inventory.Swarm is { } swarm)
        {
            foreach (SwarmService service in swarm.Services.OrderBy(service => service.CreatedAt).ThenBy(service => service.ID, StringComparer.Ordinal))
            {
                AddSwarmService(service, swarm, candidates, errors);
            }
        }

        var admitted = new List<Candidate>();
        foreach (Candidate candidate in candidates)
        {
            string? refusal = options.AllowedVips.Refusal(candidate.Declaration.Service.Key);
            if (refusal is null)
            {
                admitted.Add(candidate);
                continue;
            }

            string label = $"{ContainerLabelParser.Prefix}{candidate.Labels.Name}.{(candidate.Labels.IsFirewallMark ? "fwmark" : "vip")}";
            errors.Add(new DiscoveryError(candidate.Description, label, $"{candidate.Description}: label '{label}' is refused: {refusal}"));
        }

        (List<DockerServiceDeclaration> services, List<DeclarationConflict> conflicts) = SettleConflicts(admitted);
        return new DockerDeclarations(services, errors, conflicts);
    }

    /// <summary>How a container is named in messages: <c>container 'web1' (3f4e5a6b7c8d)</c>.</summary>
    public static string Describe(ContainerInspectResponse container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return $"container '{ContainerName(container)}' ({ShortId(container.ID)})";
    }

    private static string Describe(SwarmService service) => $"swarm service '{service.Spec?.Name}' ({ShortId(service.ID)})";

    private static string ContainerName(ContainerInspectResponse container) => (container.Name ?? string.Empty).TrimStart('/');

    private static string ShortId(string? id) => id is { Length: > 12 } ? id[..12] : id ?? string.Empty;

    private static void AddContainer(ContainerInspectResponse container, DiscoveryOptions options, List<Candidate> candidates, List<DiscoveryError> errors)
    {
        State? state = container.State;
        if (state is null || !state.Running)
        {
            return;
        }

        string description = Describe(container);
        LabelParseResult parsed = ContainerLabelParser.Parse(description, container.Config?.Labels);
        errors.AddRange(parsed.Errors);
        if (parsed.Services.Count == 0)
        {
            return;
        }

        // A container whose healthcheck has not passed yet is not ready: it joins only once healthy.
        string? health = state.Health?.Status;
        if (health == "starting")
        {
            return;
        }

        (ServerState serverState, string? reason) = state.Paused ? (ServerState.Draining, "paused")
            : health == "unhealthy" ? (ServerState.Draining, "unhealthy")
            : (ServerState.Serving, (string?)null);
        var source = DesiredSource.Container(container.ID, ContainerName(container));
        foreach (ServiceLabels labels in parsed.Services)
        {
            int errorsBefore = errors.Count;
            (NetAddress address, ushort port) = labels.AddressMode == AddressMode.Published
                ? PublishedAddress(container, labels, options.NodeAddress, description, errors)
                : ContainerAddress(container, labels, description, errors);
            if (errors.Count != errorsBefore || !CheckPort(labels, port, description, errors))
            {
                continue;
            }

            VirtualServiceKey key = labels.KeyFor(address.Family);
            var server = new DockerRealServer(new RealServer(address, port, labels.Method, labels.Weight), serverState, reason, source, labels.Check);
            candidates.Add(new Candidate(description, container.Created, container.ID, labels,
                new DockerServiceDeclaration(source, labels.Name, labels.ServiceFor(key), [server])));
        }
    }

    private static (NetAddress Address, ushort Port) ContainerAddress(
        ContainerInspectResponse container, ServiceLabels labels, string description, List<DiscoveryError> errors)
    {
        IDictionary<string, EndpointSettings> networks = container.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>();
        string? name = ChooseNetwork(labels, [.. networks.Keys], description, "the container", errors);
        if (name is null)
        {
            return default;
        }

        EndpointSettings endpoint = networks[name];
        NetAddress address = PickAddress(labels.RequiredServerFamily, endpoint.IPAddress, endpoint.GlobalIPv6Address);
        if (address.IsDefault)
        {
            errors.Add(new DiscoveryError(description, NetworkLabel(labels),
                $"{description}: service '{labels.Name}' needs {FamilyWords(labels.RequiredServerFamily)} address on network '{name}' and the container has none"));
        }

        return (address, labels.TargetPort);
    }

    private static (NetAddress Address, ushort Port) PublishedAddress(
        ContainerInspectResponse container, ServiceLabels labels, NetAddress? nodeAddress, string description, List<DiscoveryError> errors)
    {
        string portKey = $"{labels.TargetPort.ToString(CultureInfo.InvariantCulture)}/{IpvsVocabulary.ProtocolName(labels.Protocol)}";
        IList<PortBinding>? bindings = null;
        container.NetworkSettings?.Ports?.TryGetValue(portKey, out bindings);
        if (bindings is null || bindings.Count == 0)
        {
            errors.Add(new DiscoveryError(description, AddressLabel(labels),
                $"{description}: service '{labels.Name}' uses published addresses but container port {portKey} is not published"));
            return default;
        }

        IpFamily? family = labels.RequiredServerFamily ?? nodeAddress?.Family;
        foreach (PortBinding binding in bindings)
        {
            if (!ushort.TryParse(binding.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out ushort hostPort) || hostPort == 0)
            {
                continue;
            }

            bool specific = NetAddress.TryParse(binding.HostIP, out NetAddress hostIp) && !IsUnspecified(hostIp);
            if (nodeAddress is { } node)
            {
                if ((!specific || hostIp == node) && (family is null || node.Family == family))
                {
                    return (node, hostPort);
                }
            }
            else if (specific && (family is null || hostIp.Family == family))
            {
                return (hostIp, hostPort);
            }
        }

        errors.Add(new DiscoveryError(description, AddressLabel(labels), nodeAddress is null
            ? $"{description}: service '{labels.Name}' uses published addresses but container port {portKey} is published on no specific {FamilyName(family)}host address; set NodeAddress in the configuration"
            : $"{description}: service '{labels.Name}' uses published addresses but container port {portKey} is not published on NodeAddress {nodeAddress}"));
        return default;
    }

    private static void AddSwarmService(SwarmService service, SwarmInventory swarm, List<Candidate> candidates, List<DiscoveryError> errors)
    {
        string description = Describe(service);
        LabelParseResult parsed = ContainerLabelParser.Parse(description, service.Spec?.Labels);
        errors.AddRange(parsed.Errors);
        if (parsed.Services.Count == 0)
        {
            return;
        }

        var nodes = swarm.Nodes.Where(node => node.ID is not null).ToDictionary(node => node.ID, StringComparer.Ordinal);
        List<TaskResponse> running = [.. swarm.Tasks
            .Where(task => task.ServiceID == service.ID && task.Status?.State == TaskState.Running && task.DesiredState == TaskState.Running)
            .OrderBy(task => task.Slot ?? 0)
            .ThenBy(task => task.ID, StringComparer.Ordinal)];
        var source = DesiredSource.SwarmService(service.ID, service.Spec?.Name);
        foreach (ServiceLabels labels in parsed.Services)
        {
            int errorsBefore = errors.Count;
            var servers = new List<DockerRealServer>();
            foreach (TaskResponse task in running)
            {
                string taskDescription = $"{description} task {ShortId(task.ID)}";
                (NetAddress address, ushort port) = labels.AddressMode == AddressMode.Published
                    ? TaskPublishedAddress(service, task, labels, nodes, taskDescription, errors)
                    : TaskAddress(task, labels, taskDescription, errors);
                if (address.IsDefault || !CheckPort(labels, port, description, errors))
                {
                    continue;
                }

                var taskSource = DesiredSource.SwarmTask(task.ID, task.Slot is { } slot
                    ? $"{service.Spec?.Name}.{slot.ToString(CultureInfo.InvariantCulture)}"
                    : $"{service.Spec?.Name}.{task.NodeID}");
                // The labels are the service's, so every task's server gets the same check.
                var server = new DockerRealServer(new RealServer(address, port, labels.Method, labels.Weight), ServerState.Serving, null, taskSource, labels.Check);
                if (!servers.Any(existing => existing.Server.Key == server.Server.Key))
                {
                    servers.Add(server);
                }
            }

            if (errors.Count != errorsBefore)
            {
                continue;
            }

            IpFamily family = servers.Count > 0 ? servers[0].Server.Address.Family : labels.RequiredServerFamily ?? IpFamily.V4;
            VirtualServiceKey key = labels.KeyFor(family);
            candidates.Add(new Candidate(description, service.CreatedAt ?? DateTime.MinValue, service.ID, labels,
                new DockerServiceDeclaration(source, labels.Name, labels.ServiceFor(key), servers)));
        }
    }

    private static (NetAddress Address, ushort Port) TaskAddress(TaskResponse task, ServiceLabels labels, string description, List<DiscoveryError> errors)
    {
        IList<NetworkAttachment> attachments = task.NetworksAttachments ?? [];
        string[] names = [.. attachments.Select(attachment => attachment.Network?.Spec?.Name ?? string.Empty)];
        string[] choices = labels.Network is null ? [.. names.Where(name => name != IngressNetwork)] : names;
        string? name = ChooseNetwork(labels, choices, description, "the task", errors);
        if (name is null)
        {
            return default;
        }

        NetworkAttachment chosen = attachments.First(attachment => attachment.Network?.Spec?.Name == name);
        foreach (string cidr in chosen.Addresses ?? [])
        {
            int slash = cidr.IndexOf('/', StringComparison.Ordinal);
            if (NetAddress.TryParse(slash < 0 ? cidr : cidr[..slash], out NetAddress address)
                && (labels.RequiredServerFamily is null || address.Family == labels.RequiredServerFamily))
            {
                return (address, labels.TargetPort);
            }
        }

        errors.Add(new DiscoveryError(description, NetworkLabel(labels),
            $"{description}: service '{labels.Name}' needs {FamilyWords(labels.RequiredServerFamily)} address on network '{name}' and the task has none"));
        return default;
    }

    private static (NetAddress Address, ushort Port) TaskPublishedAddress(
        SwarmService service, TaskResponse task, ServiceLabels labels, Dictionary<string, NodeListResponse> nodes, string description, List<DiscoveryError> errors)
    {
        string protocol = IpvsVocabulary.ProtocolName(labels.Protocol);
        bool Matches(PortConfig port) => port.TargetPort == labels.TargetPort && string.Equals(port.Protocol ?? "tcp", protocol, StringComparison.Ordinal);

        // Ingress ports are open on every node (routing mesh); host-mode ports only on the task's node, at the port the task got.
        PortConfig? published = service.Endpoint?.Ports?.FirstOrDefault(port => Matches(port) && port.PublishMode != "host")
            ?? task.Status?.PortStatus?.Ports?.FirstOrDefault(Matches);
        if (published?.PublishedPort is not { } publishedPort || publishedPort is 0 or > ushort.MaxValue)
        {
            errors.Add(new DiscoveryError(description, AddressLabel(labels),
                $"{description}: service '{labels.Name}' uses published addresses but port {labels.TargetPort.ToString(CultureInfo.InvariantCulture)}/{protocol} is not published"));
            return default;
        }

        if (task.NodeID is null || !nodes.TryGetValue(task.NodeID, out NodeListResponse? node)
            || !NetAddress.TryParse(node.Status?.Addr, out NetAddress nodeAddress)
            || (labels.RequiredServerFamily is { } family && nodeAddress.Family != family))
        {
            errors.Add(new DiscoveryError(description, AddressLabel(labels),
                $"{description}: service '{labels.Name}' uses published addresses but node {task.NodeID} has no {FamilyName(labels.RequiredServerFamily)}address"));
            return default;
        }

        return (nodeAddress, (ushort)publishedPort);
    }

    private static string? ChooseNetwork(ServiceLabels labels, string[] networks, string description, string what, List<DiscoveryError> errors)
    {
        string choices = networks.Length == 0 ? "none" : string.Join(", ", networks.Order(StringComparer.Ordinal));
        if (labels.Network is { } wanted)
        {
            if (networks.Contains(wanted, StringComparer.Ordinal))
            {
                return wanted;
            }

            errors.Add(new DiscoveryError(description, NetworkLabel(labels),
                $"{description}: label '{NetworkLabel(labels)}={wanted}': {what} is not on network '{wanted}'; its networks: {choices}"));
            return null;
        }

        if (networks.Length == 1)
        {
            return networks[0];
        }

        errors.Add(new DiscoveryError(description, NetworkLabel(labels), networks.Length == 0
            ? $"{description}: service '{labels.Name}': {what} is on no network"
            : $"{description}: service '{labels.Name}': {what} is on several networks ({choices}); choose one with label '{NetworkLabel(labels)}'"));
        return null;
    }

    /// <summary>Direct routing and tunnelling deliver the packet unchanged, so they cannot move it to another port.</summary>
    private static bool CheckPort(ServiceLabels labels, ushort serverPort, string description, List<DiscoveryError> errors)
    {
        if (labels.Method == ForwardingMethod.Masquerade || labels.IsFirewallMark || serverPort == labels.VipPort)
        {
            return true;
        }

        string method = IpvsVocabulary.MethodName(labels.Method);
        errors.Add(new DiscoveryError(description, $"{ContainerLabelParser.Prefix}{labels.Name}.method",
            $"{description}: service '{labels.Name}': method {method} cannot change the port (VIP port {labels.VipPort.ToString(CultureInfo.InvariantCulture)}, real server port {serverPort.ToString(CultureInfo.InvariantCulture)}); use method nat or the same port"));
        return false;
    }

    private static NetAddress PickAddress(IpFamily? family, string? ipv4, string? ipv6)
    {
        NetAddress v4 = NetAddress.TryParse(ipv4, out NetAddress parsed4) && parsed4.Family == IpFamily.V4 ? parsed4 : default;
        NetAddress v6 = NetAddress.TryParse(ipv6, out NetAddress parsed6) && parsed6.Family == IpFamily.V6 ? parsed6 : default;
        return family switch
        {
            IpFamily.V4 => v4,
            IpFamily.V6 => v6,
            _ => v4.IsDefault ? v6 : v4,
        };
    }

    private static bool IsUnspecified(NetAddress address) => address == _anyV4 || address == _anyV6;

    private static string FamilyWords(IpFamily? family) => family switch
    {
        IpFamily.V4 => "an IPv4",
        IpFamily.V6 => "an IPv6",
        _ => "an",
    };

    private static string FamilyName(IpFamily? family) => family switch
    {
        IpFamily.V4 => "IPv4 ",
        IpFamily.V6 => "IPv6 ",
        _ => string.Empty,
    };

    private static string NetworkLabel(ServiceLabels labels) => $"{ContainerLabelParser.Prefix}{labels.Name}.network";

    private static string AddressLabel(ServiceLabels labels) => $"{ContainerLabelParser.Prefix}{labels.Name}.address";

    private static (List<DockerServiceDeclaration> Services, List<DeclarationConflict> Conflicts) SettleConflicts(List<Candidate> candidates)
    {
        var services = new List<DockerServiceDeclaration>();
        var conflicts = new List<DeclarationConflict>();
        var firstBySvc = new Dictionary<(string Name, NetAddress Vip, ushort Port, uint Mark), Candidate>();
        var firstByKey = new Dictionary<VirtualServiceKey, Candidate>();
        foreach (Candidate candidate in candidates
            .OrderBy(candidate => candidate.Created)
            .ThenBy(candidate => candidate.Id, StringComparer.Ordinal)
            .ThenBy(candidate => candidate.Labels.Name, StringComparer.Ordinal))
        {
            ServiceLabels labels = candidate.Labels;
            VirtualService service = candidate.Declaration.Service;
            var svc = (labels.Name, labels.Vip, labels.VipPort, labels.FirewallMark);
            Candidate? kept = null;
            string? differences = null;
            if (firstBySvc.TryGetValue(svc, out Candidate? sameSvc))
            {
                differences = Differences(sameSvc, candidate, compareProtocol: true);
                kept = differences is null ? null : sameSvc;
            }

            if (kept is null && firstByKey.TryGetValue(service.Key, out Candidate? sameKey))
            {
                differences = Differences(sameKey, candidate, compareProtocol: false);
                kept = differences is null ? null : sameKey;
            }

            if (kept is not null)
            {
                conflicts.Add(new DeclarationConflict(service.Key, kept.Declaration.Source, candidate.Declaration.Source,
                    $"{service.Key}: {candidate.Description} asks for {differences}, unlike {kept.Description}; keeping {kept.Description}, ignoring service '{labels.Name}' of {candidate.Description}"));
                continue;
            }

            firstBySvc.TryAdd(svc, candidate);
            firstByKey.TryAdd(service.Key, candidate);
            services.Add(candidate.Declaration);
        }

        return (services, conflicts);
    }

    private static string? Differences(Candidate kept, Candidate other, bool compareProtocol)
    {
        var differences = new List<string>();
        if (compareProtocol && kept.Labels.Protocol != other.Labels.Protocol)
        {
            differences.Add($"protocol {IpvsVocabulary.ProtocolName(other.Labels.Protocol)} (not {IpvsVocabulary.ProtocolName(kept.Labels.Protocol)})");
        }

        if (!string.Equals(kept.Labels.Scheduler, other.Labels.Scheduler, StringComparison.Ordinal))
        {
            differences.Add($"scheduler {other.Labels.Scheduler} (not {kept.Labels.Scheduler})");
        }

        if (kept.Labels.PersistenceSeconds != other.Labels.PersistenceSeconds)
        {
            differences.Add($"persistence {Persistence(other.Labels)} (not {Persistence(kept.Labels)})");
        }

        return differences.Count == 0 ? null : string.Join(", ", differences);
    }

    private static string Persistence(ServiceLabels labels) =>
        labels.PersistenceSeconds == 0 ? "none" : $"{labels.PersistenceSeconds.ToString(CultureInfo.InvariantCulture)} s";

    /// <summary>One source's declaration under one <c>&lt;svc&gt;</c> name, with what conflict settlement needs.</summary>
    private sealed record Candidate(string Description, DateTime Created, string Id, ServiceLabels Labels, DockerServiceDeclaration Declaration);
}
