namespace Ipvs.Integration.Tests.Support;

/// <summary>
/// Tests that change the IPVS table in the middle of a dump and count what the dump saw. Up to Linux 6.1 every network
/// namespace's services share one hash table, so any other test's IPVS change would move their dumps too: they run
/// alone, never next to another test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalIpvsTable
{
    public const string Name = "global IPVS table";
}
