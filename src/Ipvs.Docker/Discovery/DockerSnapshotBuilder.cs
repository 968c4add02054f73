namespace Ipvs.Docker.Discovery;

/// <summary>The old name of <see cref="DockerDeclarationsBuilder"/>.</summary>
/// <remarks>
/// Kept only while <c>OneShot.ReadDockerAsync</c> still calls it; issue #16 takes that second conversion out, and
/// this file goes with it.
/// </remarks>
public static class DockerSnapshotBuilder
{
    public static DockerDeclarations Build(DockerInventory inventory, DiscoveryOptions options) => DockerDeclarationsBuilder.Build(inventory, options);
}
