using System.Reflection;
using Ipvs.Agent.Tests.Support;

namespace Ipvs.Agent.Tests;

/// <summary>
/// No two namespaces of an assembly use each other: each folder is a layer that can be read without the ones above
/// it. Every assembly is checked here, the one test project that references them all.
/// </summary>
public sealed class NamespaceCycleTests
{
    /// <summary>
    /// Cycles known and being removed. Each must still exist: once gone, its entry goes too, so none comes back
    /// unnoticed. (None left since issue #16.)
    /// </summary>
    private static readonly Dictionary<string, string[]> _knownCycles = new(StringComparer.Ordinal);

    public static TheoryData<string> Assemblies => ["Ipvs.Core", "Ipvs.Engine", "Ipvs.Netlink", "Ipvs.Docker", "Ipvs.Dns", "Ipvs.Agent"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Namespaces_OfAssembly_FormNoCycleButTheKnownOnes(string rootNamespace)
    {
        Assembly assembly = Assembly.Load(rootNamespace == "Ipvs.Agent" ? "ipvs-agent" : rootNamespace);

        IReadOnlyList<string> cycles = NamespaceGraph.Of(assembly, rootNamespace).Cycles();

        Assert.Equal(_knownCycles.GetValueOrDefault(rootNamespace) ?? [], cycles);
    }

    [Fact]
    public void Cycles_TwoNamespacesUsingEachOther_AreFound()
    {
        // Proves the reader sees uses inside method bodies: the Docker source and its discovery use each other only there.
        NamespaceGraph graph = NamespaceGraph.Of(typeof(Docker.Source.DockerSource).Assembly, "Ipvs.Docker");

        Assert.Contains("Ipvs.Docker.Discovery", graph.Uses()["Ipvs.Docker.Source"]);
        Assert.Contains("Ipvs.Docker.Labels", graph.Uses()["Ipvs.Docker.Discovery"]);
    }
}
