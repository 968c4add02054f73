namespace Ipvs.Agent.Tests.Support;

/// <summary>Reads captured text fixtures copied next to the test assembly.</summary>
internal static class Fixture
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Verification", "Fixtures", name));
}
