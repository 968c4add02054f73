namespace Ipvs.Integration.Tests.Docker.Support;

/// <summary>
/// Test classes that label containers on the lab's one dockerd with the same VIPs run one after the other: an agent
/// of one class would otherwise take the other's containers for its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DockerLab
{
    public const string Name = "lab dockerd";
}
