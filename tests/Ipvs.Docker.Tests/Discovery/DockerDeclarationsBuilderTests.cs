using Docker.DotNet.Models;
using Ipvs.Core.Desired;
using Ipvs.Core.Health;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using Ipvs.Docker.Discovery;
using Ipvs.Docker.Tests.Support;

namespace Ipvs.Docker.Tests.Discovery;

/// <summary>The builder on inspect results of real containers captured from dockerd 20.10 in the lab.</summary>
public sealed class DockerDeclarationsBuilderTests
{
    private static readonly VirtualServiceKey _web = VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.10"), 80);

    internal static readonly OwnershipPolicy Allowed = new([AddressBlock.Parse("10.99.0.0/16")], [new FirewallMarkRange(1, 100)]);

    private static DockerDeclarations Build(params ContainerInspectResponse[] containers) =>
        DockerDeclarationsBuilder.Build(new DockerInventory(containers), new DiscoveryOptions(Allowed));

    private static ContainerInspectResponse WithLabels(string fixture, params (string Key, string Value)[] labels)
    {
        ContainerInspectResponse container = DockerFixtures.Container(fixture);
        foreach ((string key, string value) in labels)
        {
            container.Config!.Labels[key] = value;
        }

        return container;
    }

    private static DockerRealServer SingleServer(DockerDeclarations declarations)
    {
        Assert.Empty(declarations.Errors);
        Assert.Empty(declarations.Conflicts);
        return Assert.Single(Assert.Single(declarations.Services).RealServers);
    }

    [Fact]
    public void Build_DefaultBridgeContainer_DeclaresItsBridgeAddress()
    {
        ContainerInspectResponse container = DockerFixtures.Container("web-bridge");

        DockerDeclarations declarations = Build(container);

        DockerServiceDeclaration service = Assert.Single(declarations.Services);
        Assert.Equal(VirtualService.Create(_web, "rr"), service.Service);
        Assert.Equal(DesiredSource.Container(container.ID, "web-bridge"), service.Source);
        Assert.Equal(
            new DockerRealServer(new RealServer(NetAddress.Parse("172.17.0.3"), 80, ForwardingMethod.Masquerade, 1), ServerState.Serving, null, service.Source),
            SingleServer(declarations));
    }

    [Fact]
    public void Build_UserDefinedNetworkLabel_UsesThatNetworksAddress() =>
        Assert.Equal(NetAddress.Parse("172.18.0.2"), SingleServer(Build(DockerFixtures.Container("web-front"))).Server.Address);

    [Fact]
    public void Build_TwoNetworksWithoutNetworkLabel_ReportsTheChoices()
    {
        DockerDeclarations declarations = Build(DockerFixtures.Container("web-multi"));

        Assert.Empty(declarations.Services);
        DiscoveryError error = Assert.Single(declarations.Errors);
        Assert.Equal("ipvs.web.network", error.Label);
        Assert.Equal(
            "container 'web-multi' (52b29c6f0dab): service 'web': the container is on several networks (back, front); choose one with label 'ipvs.web.network'",
            error.Message);
    }

    [Fact]
    public void Build_TwoNetworksWithNetworkLabel_UsesTheChosenOne() =>
        Assert.Equal(NetAddress.Parse("172.19.0.2"), SingleServer(Build(WithLabels("web-multi", ("ipvs.web.network", "back")))).Server.Address);

    [Fact]
    public void Build_NetworkLabelNamesAnotherNetwork_ReportsTheContainersNetworks() =>
        Assert.Equal(
            "container 'web-multi' (52b29c6f0dab): label 'ipvs.web.network=bridge': the container is not on network 'bridge'; its networks: back, front",
            Assert.Single(Build(WithLabels("web-multi", ("ipvs.web.network", "bridge"))).Errors).Message);

    [Fact]
    public void Build_PublishedOnAllAddressesWithoutNodeAddress_ReportsTheContainer() =>
        Assert.Equal(
            "container 'web-published' (546c9b8ce7ec): service 'web' uses published addresses but container port 80/tcp is published on no specific IPv4 host address; set NodeAddress in the configuration",
            Assert.Single(Build(DockerFixtures.Container("web-published")).Errors).Message);

    [Fact]
    public void Build_PublishedWithNodeAddress_UsesNodeAddressAndHostPort()
    {
        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(
            new DockerInventory([DockerFixtures.Container("web-published")]),
            new DiscoveryOptions(Allowed, NetAddress.Parse("192.168.50.4")));

        Assert.Equal(new RealServerKey(NetAddress.Parse("192.168.50.4"), 32080), SingleServer(declarations).Server.Key);
        Assert.Equal(VirtualServiceKey.ForAddress(IpvsProtocol.Tcp, NetAddress.Parse("10.99.0.20"), 80), declarations.Services[0].Service.Key);
    }

    [Fact]
    public void Build_PublishedOnSpecificHostAddress_UsesThatAddress() =>
        Assert.Equal(
            new RealServerKey(NetAddress.Parse("127.0.0.1"), 32081),
            SingleServer(Build(WithLabels("web-published", ("ipvs.web.port", "8081")))).Server.Key);

    [Fact]
    public void Build_PortNotPublished_ReportsThePort() =>
        Assert.Equal(
            "container 'web-bridge' (524661ff90af): service 'web' uses published addresses but container port 80/tcp is not published",
            Assert.Single(Build(WithLabels("web-bridge", ("ipvs.web.address", "published"))).Errors).Message);

    [Fact]
    public void Build_HealthyContainer_Serves() =>
        Assert.Equal(ServerState.Serving, SingleServer(Build(DockerFixtures.Container("web-healthy"))).State);

    [Fact]
    public void Build_HealthcheckStillStarting_DoesNotJoin()
    {
        DockerDeclarations declarations = Build(DockerFixtures.Container("web-starting"));

        Assert.Empty(declarations.Services);
        Assert.Empty(declarations.Errors);
    }

    [Fact]
    public void Build_UnhealthyContainer_Drains()
    {
        DockerRealServer server = SingleServer(Build(DockerFixtures.Container("web-unhealthy")));

        Assert.Equal((ServerState.Draining, "unhealthy"), (server.State, server.Reason));
    }

    [Fact]
    public void Build_PausedContainer_DrainsEveryService()
    {
        DockerDeclarations declarations = Build(DockerFixtures.Container("web-paused"));

        Assert.Equal(["dns", "web"], declarations.Services.Select(service => service.ServiceName).Order(StringComparer.Ordinal));
        Assert.All(declarations.Services, service => Assert.Equal((ServerState.Draining, "paused"), (service.RealServers[0].State, service.RealServers[0].Reason)));
        Assert.Contains(declarations.Services, service => service.Service.Key == VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.99.0.53"), 53));
    }

    [Fact]
    public void Build_StoppedContainer_DeclaresNothing()
    {
        ContainerInspectResponse container = DockerFixtures.Container("web-bridge");
        container.State!.Running = false;

        Assert.Empty(Build(container).Services);
    }

    [Fact]
    public void Build_AllFixtures_MergeIntoOneServiceWithTheServingContainers()
    {
        string[] fixtures = ["web-bridge", "web-front", "web-multi", "web-published", "web-healthy", "web-starting", "web-unhealthy", "web-paused"];

        DockerDeclarations declarations = Build([.. fixtures.Select(DockerFixtures.Container)]);
        DesiredMergeResult merged = new DesiredStateMerger().Merge(1, declarations.ToServiceDeclarations());

        Assert.Equal(2, declarations.Errors.Count);
        Assert.Empty(merged.Conflicts);
        Assert.Equal(
            ["172.17.0.3:80", "172.17.0.4:80", "172.18.0.2:80"],
            merged.State.Services[_web].RealServers.Keys.Select(key => key.ToString()).Order(StringComparer.Ordinal));
        Assert.Empty(merged.State.Services[VirtualServiceKey.ForAddress(IpvsProtocol.Udp, NetAddress.Parse("10.99.0.53"), 53)].RealServers);
    }

    [Fact]
    public void Build_VipOutsideAllowedBlocks_IsRefusedNamingContainerAndLabel()
    {
        DockerDeclarations declarations = DockerDeclarationsBuilder.Build(
            new DockerInventory([DockerFixtures.Container("web-bridge")]),
            new DiscoveryOptions(new OwnershipPolicy([AddressBlock.Parse("10.98.0.0/16")], [])));

        Assert.Empty(declarations.Services);
        Assert.Equal(
            "container 'web-bridge' (524661ff90af): label 'ipvs.web.vip' is refused: TCP 10.99.0.10:80: VIP 10.99.0.10 is outside the owned VIP blocks 10.98.0.0/16",
            Assert.Single(declarations.Errors).Message);
    }

    [Fact]
    public void Build_FirewallMarkOutsideAllowedRange_IsRefused()
    {
        ContainerInspectResponse container = DockerFixtures.Container("web-bridge");
        container.Config!.Labels = new Dictionary<string, string> { ["ipvs.mail.fwmark"] = "500" };

        Assert.Equal(
            "container 'web-bridge' (524661ff90af): label 'ipvs.mail.fwmark' is refused: FWM 500: firewall mark 500 is outside the owned ranges 1-100",
            Assert.Single(Build(container).Errors).Message);
    }

    [Fact]
    public void Build_FirewallMarkService_TakesTheServersFamilyAndKeepsTheClientsPort()
    {
        ContainerInspectResponse container = DockerFixtures.Container("web-bridge");
        container.Config!.Labels = new Dictionary<string, string> { ["ipvs.mail.fwmark"] = "7" };

        DockerServiceDeclaration service = Assert.Single(Build(container).Services);

        Assert.Equal(VirtualServiceKey.ForFirewallMark(IpFamily.V4, 7), service.Service.Key);
        Assert.Equal(new RealServerKey(NetAddress.Parse("172.17.0.3"), 0), Assert.Single(service.RealServers).Server.Key);
    }

    [Fact]
    public void Build_OptionsDisagree_OldestContainerStandsAndConflictIsReported()
    {
        ContainerInspectResponse older = DockerFixtures.Container("web-bridge");
        ContainerInspectResponse newer = WithLabels("web-healthy", ("ipvs.web.scheduler", "wrr"), ("ipvs.web.persistence", "60"));

        DockerDeclarations declarations = Build(newer, older);

        Assert.Equal(older.ID, Assert.Single(declarations.Services).Source.Id);
        DeclarationConflict conflict = Assert.Single(declarations.Conflicts);
        Assert.Equal((older.ID, newer.ID), (conflict.Kept.Id, conflict.Dropped.Id));
        Assert.Equal(
            "TCP 10.99.0.10:80: container 'web-healthy' (99b5638673ce) asks for scheduler wrr (not rr), persistence 60 s (not none), unlike container 'web-bridge' (524661ff90af); keeping container 'web-bridge' (524661ff90af), ignoring service 'web' of container 'web-healthy' (99b5638673ce)",
            conflict.Message);
    }

    [Fact]
    public void Build_SameSvcAndVipWithOtherProtocol_IsAConflict()
    {
        DockerDeclarations declarations = Build(DockerFixtures.Container("web-bridge"), WithLabels("web-healthy", ("ipvs.web.protocol", "udp")));

        Assert.Single(declarations.Services);
        Assert.Contains("protocol udp (not tcp)", Assert.Single(declarations.Conflicts).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DifferentWeights_AreNotAConflict()
    {
        DockerDeclarations declarations = Build(DockerFixtures.Container("web-bridge"), WithLabels("web-healthy", ("ipvs.web.weight", "5")));

        Assert.Equal(2, declarations.Services.Count);
        Assert.Empty(declarations.Conflicts);
    }

    [Fact]
    public void Build_DirectRoutingToAnotherPort_IsRefused() =>
        Assert.Equal(
            "container 'web-bridge' (524661ff90af): service 'web': method dr cannot change the port (VIP port 80, real server port 8080); use method nat or the same port",
            Assert.Single(Build(WithLabels("web-bridge", ("ipvs.web.method", "dr"), ("ipvs.web.port", "8080"))).Errors).Message);

    [Fact]
    public void Build_BadLabelsOnOneContainer_OthersKeepServing()
    {
        DockerDeclarations declarations = Build(WithLabels("web-bridge", ("ipvs.web.weight", "lots")), DockerFixtures.Container("web-front"));

        Assert.Equal("web-front", Assert.Single(declarations.Services).Source.Name);
        Assert.Equal("ipvs.web.weight", Assert.Single(declarations.Errors).Label);
    }

    [Fact]
    public void Build_ContainerWithCheckLabels_ItsServerCarriesTheCheck()
    {
        DockerDeclarations declarations = Build(WithLabels("web-bridge", ("ipvs.web.check", "http:/healthz"), ("ipvs.web.check-interval", "2s")));

        HealthCheck expected = HealthCheck.Of(HealthCheckKind.Http) with { Path = "/healthz", Interval = TimeSpan.FromSeconds(2) };
        Assert.Equal(expected, SingleServer(declarations).Check);
        ServiceDeclaration declaration = Assert.Single(declarations.ToServiceDeclarations());
        Assert.Null(declaration.Check);
        Assert.Equal(expected, declaration.CheckFor(Assert.Single(declaration.RealServers).Key));
    }

    [Fact]
    public void Build_ContainerWithoutCheckLabels_NotChecked()
    {
        ServiceDeclaration declaration = Assert.Single(Build(DockerFixtures.Container("web-bridge")).ToServiceDeclarations());

        Assert.Null(declaration.CheckOverrides);
        Assert.Null(declaration.CheckFor(Assert.Single(declaration.RealServers).Key));
    }

    [Fact]
    public void Build_TwoContainersOfOneServiceCheckedDifferently_EachServerKeepsItsOwnWithoutConflict()
    {
        DockerDeclarations declarations = Build(
            WithLabels("web-bridge", ("ipvs.web.check", "tcp")),
            WithLabels("web-healthy", ("ipvs.web.check", "http:/"), ("ipvs.web.check-on-failure", "remove")),
            DockerFixtures.Container("web-front"));

        DesiredMergeResult merged = new DesiredStateMerger().Merge(1, declarations.ToServiceDeclarations());

        Assert.Empty(declarations.Errors);
        Assert.Empty(declarations.Conflicts);
        Assert.Empty(merged.Conflicts);
        IReadOnlyDictionary<RealServerKey, DesiredRealServer> servers = merged.State.Services[_web].RealServers;
        Assert.Equal(HealthCheck.Of(HealthCheckKind.Tcp), servers[new RealServerKey(NetAddress.Parse("172.17.0.3"), 80)].Check);
        Assert.Equal(HealthCheck.Of(HealthCheckKind.Http) with { OnFailure = HealthFailureAction.Remove }, servers[new RealServerKey(NetAddress.Parse("172.17.0.4"), 80)].Check);
        Assert.Null(servers[new RealServerKey(NetAddress.Parse("172.18.0.2"), 80)].Check);
    }

    [Fact]
    public void Build_UnhealthyContainerWithPassingCheckLabels_StaysOutOfTheDesiredState()
    {
        // Docker's own healthcheck rules too: an unhealthy container is no real server, whatever its active check would say.
        DockerDeclarations declarations = Build(WithLabels("web-unhealthy", ("ipvs.web.check", "tcp")));

        Assert.Equal(ServerState.Draining, SingleServer(declarations).State);
        Assert.Empty(Assert.Single(declarations.ToServiceDeclarations()).RealServers);
    }

    [Fact]
    public void Build_BadCheckLabel_ReportsContainerAndLabelAndOthersKeepServing()
    {
        DockerDeclarations declarations = Build(WithLabels("web-bridge", ("ipvs.web.check-path", "/healthz")), DockerFixtures.Container("web-front"));

        Assert.Equal("web-front", Assert.Single(declarations.Services).Source.Name);
        Assert.Equal(
            "container 'web-bridge' (524661ff90af): label 'ipvs.web.check-path=/healthz': needs label 'ipvs.web.check' (tcp, http, https, http:/PATH or https:/PATH) to say what to check",
            Assert.Single(declarations.Errors).Message);
    }

    [Fact]
    public void Build_CheckLabelChanges_DeclarationsDiffer() =>
        Assert.NotEqual(Build(WithLabels("web-bridge", ("ipvs.web.check", "tcp"))), Build(WithLabels("web-bridge", ("ipvs.web.check", "http"))));

    [Fact]
    public void Build_SameInventoryTwice_GivesEqualDeclarations()
    {
        string[] fixtures = ["web-bridge", "web-front", "web-paused", "web-multi"];

        Assert.Equal(Build([.. fixtures.Select(DockerFixtures.Container)]), Build([.. fixtures.Reverse().Select(DockerFixtures.Container)]));
    }
}
