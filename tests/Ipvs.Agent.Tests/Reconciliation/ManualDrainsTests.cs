using Ipvs.Agent.Reconciliation;
using Ipvs.Core.Reconciling;
using Ipvs.Engine;
using Ipvs.Engine.Tests.Support;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Reconciliation;

public sealed class ManualDrainsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-agent-drains-").FullName;

    private string FilePath => Path.Combine(_directory, ManualDrainStore.FileName);

    /// <summary>Two services, two real servers each: four desired real servers.</summary>
    private static FixedTestSource TwoServices() => Source(
        Declare(Service("10.99.0.1"), Server("10.1.1.2"), Server("10.1.1.3")),
        Declare(Service("10.99.0.2"), Server("10.1.1.4"), Server("10.1.1.5")));

    private static int DesiredServers(DesiredInput input) => input.State.Services.Values.Sum(service => service.RealServers.Count);

    public static TheoryData<string, string> BadFiles => new()
    {
        { """[{"Service": "TCP 10.99.0.1:80"}]""", "entry 0: unknown field \"Service\"" },
        { """[{}]""", "entry 0: names neither a service nor a server" },
        { """[{"service": "tcp 10.99.0.1:80"}]""", "entry 0: field service: \"tcp 10.99.0.1:80\"" },
        { """[{"service": "TCP 10.99.0.1:80 "}]""", "entry 0: field service: \"TCP 10.99.0.1:80 \"" },
        { """[{"server": "10.1.1.2:8080"}, {"server": "10.1.1.2:8080 "}]""", "entry 1: field server: \"10.1.1.2:8080 \"" },
        { """[{"server": "10.1.1.2"}]""", "entry 0: field server: \"10.1.1.2\"" },
        { """[{"service": 7}]""", "entry 0: field service: expected a string, got 7" },
        { """[{"service": null}]""", "entry 0: field service: expected a string, got null" },
        { """[null]""", "entry 0: expected an object" },
        { """[{"service": "FWM 7", "service": "FWM 8"}]""", "entry 0: field service is given twice" },
        { """[{"server": "10.1.1.2:8080", "requestedAt": "yesterday"}]""", "entry 0: field requestedAt: \"yesterday\"" },
        { """{"service": "TCP 10.99.0.1:80"}""", "expected a list of drains" },
        { """[{"service": "TCP 10.99.0.1:80"}""", ":1: not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ParseFile_BadEntry_ErrorNamesFileEntryFieldAndValue(string json, string expected)
    {
        FormatException error = Assert.Throws<FormatException>(() => ManualDrainStore.ParseFile("/state/drains.json", json));

        Assert.StartsWith("/state/drains.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"service": "TCP 10.99.0.1:80"}]""", 2)]
    [InlineData("""[{"server": "10.1.1.2:8080"}]""", 3)]
    [InlineData("""[{"service": "TCP 10.99.0.2:80", "server": "10.1.1.4:8080", "requestedAt": "2026-12-04T03:00:00+00:00"}]""", 3)]
    [InlineData("""[{"service": "FWM 7"}, {"service": "UDP [fd00::10]:53"}, {"server": "[fd00::2]:8080"}]""", 4)]
    [InlineData("""[]""", 4)]
    public void Assemble_GoodFile_DrainsExactlyTheNamedServers(string json, int expectedServers)
    {
        File.WriteAllText(FilePath, json);
        var assembler = new DesiredStateAssembler([TwoServices()], new ManualDrainStore(_directory));

        DesiredInput input = assembler.Assemble();

        Assert.Empty(input.Problems);
        Assert.Equal(expectedServers, DesiredServers(input));
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Assemble_BadFileFromTheStart_DrainsNothingAndSaysWhy(string json, string expected)
    {
        File.WriteAllText(FilePath, json);
        var assembler = new DesiredStateAssembler([TwoServices()], new ManualDrainStore(_directory));

        DesiredInput input = assembler.Assemble();

        Assert.Equal(4, DesiredServers(input));
        Assert.Contains(input.Problems, problem => problem.Contains(expected, StringComparison.Ordinal) && problem.Contains(FilePath, StringComparison.Ordinal));
    }

    [Fact]
    public void Assemble_FileTurnsBad_KeepsTheLastGoodSet()
    {
        var assembler = new DesiredStateAssembler([TwoServices()], new ManualDrainStore(_directory));
        File.WriteAllText(FilePath, """[{"server": "10.1.1.2:8080"}]""");
        int before = DesiredServers(assembler.Assemble());

        File.WriteAllText(FilePath, """[{"server": "10.1.1.2:8080"}, {"Service": "TCP 10.99.0.2:80"}]""");
        DesiredInput after = assembler.Assemble();

        Assert.Equal(3, before);
        Assert.Equal(3, DesiredServers(after));
        Assert.Contains(after.Problems, problem => problem.Contains("the last good set (1 drains) stays in force", StringComparison.Ordinal) && problem.Contains("entry 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Fifo_IsAnErrorNotAHang()
    {
        if (!MakeFifo(FilePath))
        {
            Assert.Skip("mkfifo is not available");
        }

        FormatException error = Assert.Throws<FormatException>(() => new ManualDrainStore(_directory).Load());

        Assert.Contains("not a regular file (a FIFO)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveThenLoad_WhatTheDrainVerbWrites_ReadsBack()
    {
        var store = new ManualDrainStore(_directory);
        DateTimeOffset now = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);
        store.Save([ManualDrainStore.Parse("TCP 10.99.0.1:80", null, now), ManualDrainStore.Parse("[fd00::2]:8080", "UDP [fd00::10]:53", now), ManualDrainStore.Parse("FWM 7 IPv6", null, now)]);

        IReadOnlyList<ManualDrain> loaded = store.Load();

        Assert.Equal(["every real server of TCP 10.99.0.1:80", "real server [fd00::2]:8080 of UDP [fd00::10]:53", "every real server of FWM 7 IPv6"], loaded.Select(drain => drain.ToString()));
        Assert.All(loaded, drain => Assert.Equal(now, drain.RequestedAt));
    }

    internal static bool MakeFifo(string path)
    {
        using var process = System.Diagnostics.Process.Start("mkfifo", [path]);
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
