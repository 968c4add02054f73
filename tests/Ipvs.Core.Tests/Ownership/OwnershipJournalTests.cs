using Ipvs.Core.Draining;
using Ipvs.Core.Model;
using Ipvs.Core.Ownership;
using static Ipvs.Core.Tests.Support.Build;

namespace Ipvs.Core.Tests.Ownership;

public sealed class OwnershipJournalTests
{
    [Fact]
    public void Serialize_RecordWithDrains_RoundTrips()
    {
        VirtualServiceKey mark = VirtualServiceKey.ForFirewallMark(IpFamily.V6, 7);
        OwnershipRecord record = Owning(Tcp("10.99.0.10", 80), Udp("fd00::53", 53), mark)
            .WithDrain(new Drain(mark, new RealServerKey(NetAddress.Parse("fd00::2"), 0), Now, Now.AddMinutes(5)))
            .WithDrain(new Drain(Tcp("10.99.0.10", 80), new RealServerKey(NetAddress.Parse("10.1.1.2"), 8080), Now, Now.AddMinutes(5)));

        string json = OwnershipJournal.Serialize(record);

        Assert.Equal(record, OwnershipJournal.Deserialize(json));
        Assert.Contains("\"TCP 10.99.0.10:80\"", json, StringComparison.Ordinal);
        Assert.Contains("\"FWM 7 IPv6\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_ToUtf8Stream_ReadsBackFromItsBytesAsFromTheText()
    {
        OwnershipRecord record = Owning(Tcp("10.99.0.10", 80), Udp("fd00::53", 53))
            .WithDrain(new Drain(Tcp("10.99.0.10", 80), new RealServerKey(NetAddress.Parse("10.1.1.2"), 8080), Now, Now.AddMinutes(5)));
        using var utf8 = new MemoryStream();

        OwnershipJournal.Serialize(utf8, record, "boot b1, net:[1]");

        Assert.Equal(OwnershipJournal.Serialize(record, "boot b1, net:[1]"), System.Text.Encoding.UTF8.GetString(utf8.ToArray()));
        Assert.Equal(record, OwnershipJournal.Deserialize(utf8.ToArray(), "boot b1, net:[1]", out string? notice));
        Assert.Null(notice);
        Assert.Equal(OwnershipRecord.Empty, OwnershipJournal.Deserialize(utf8.ToArray(), "boot b2, net:[1]", out notice));
        Assert.NotNull(notice);
    }

    [Fact]
    public void Deserialize_BytesNotJson_FailsAsTheTextDoes()
    {
        byte[] json = "{\"version\": 2, "u8.ToArray();

        FormatException fromBytes = Assert.Throws<FormatException>(() => OwnershipJournal.Deserialize(json, null, out _));

        Assert.StartsWith("Ownership journal is not valid JSON", fromBytes.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_RecordWithPendingCreations_RoundTripsTheirConfiguration()
    {
        VirtualService persistent = Service(Udp("10.99.0.11", 5060), "sh") with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 60, NetmaskPrefix = 24, PersistenceEngine = "sip" };
        OwnershipRecord record = Owning(Tcp("10.99.0.10", 80)).WithPending([persistent, Service(Tcp("10.99.0.12", 80))]);

        OwnershipRecord read = OwnershipJournal.Deserialize(OwnershipJournal.Serialize(record));

        Assert.Equal(record, read);
        Assert.Equal(persistent, read.Pending[persistent.Key]);
        Assert.False(read.Owns(persistent.Key));
    }

    [Fact]
    public void Deserialize_BadPendingEntries_NamesEveryCulprit()
    {
        const string json = """{"version":1,"services":[],"pending":[{"service":"TCP 10.99.0.10:80","scheduler":"fastest"},{"service":"x","scheduler":"rr"}]}""";

        FormatException error = Assert.Throws<FormatException>(() => OwnershipJournal.Deserialize(json));

        Assert.Equal("Ownership journal is invalid: pending[0].scheduler: 'fastest' is not a scheduler; pending[1].service: 'x' is not a virtual service", error.Message);
    }

    [Fact]
    public void WithService_PendingCreation_BecomesOwned()
    {
        OwnershipRecord record = OwnershipRecord.Empty.WithPending([Service(Tcp("10.99.0.10", 80))]).WithService(Tcp("10.99.0.10", 80));

        Assert.True(record.Owns(Tcp("10.99.0.10", 80)));
        Assert.Empty(record.Pending);
    }

    [Fact]
    public void Deserialize_BadEntries_NamesEveryCulprit()
    {
        const string json = """{"version":1,"services":["TCP 10.99.0.10:80","HTTP x"],"drains":[{"service":"UDP 10.0.0.1:53","server":"10.1.1.1:53"},{"service":"TCP 10.99.0.10:80","server":"nowhere"}]}""";

        FormatException error = Assert.Throws<FormatException>(() => OwnershipJournal.Deserialize(json));

        Assert.Equal(
            "Ownership journal is invalid: services[1]: 'HTTP x' is not a virtual service; drains[0].service: UDP 10.0.0.1:53 is not among the owned services; drains[1].server: 'nowhere' is not a real server",
            error.Message);
    }

    [Theory]
    [InlineData("""{"version":1,"services":["TCP 10.99.0.10:80"]}""")]
    [InlineData("""{"version":1,"services":["TCP 10.99.0.10:80"],"drains":null}""")]
    public void Deserialize_HandWrittenWithoutDrains_ReadsTheServices(string json)
    {
        Assert.Equal(OwnershipRecord.Empty.WithService(Tcp("10.99.0.10", 80)), OwnershipJournal.Deserialize(json));
    }

    [Fact]
    public void Deserialize_NullServices_IsAnEmptyRecord()
    {
        Assert.Equal(OwnershipRecord.Empty, OwnershipJournal.Deserialize("""{"version":1,"services":null}"""));
    }

    [Fact]
    public void WithoutService_DropsItsDrains()
    {
        VirtualServiceKey web = Tcp("10.99.0.10", 80);
        OwnershipRecord record = Owning(web).WithDrain(new Drain(web, new RealServerKey(NetAddress.Parse("10.1.1.2"), 80), Now, Now));

        Assert.Equal(OwnershipRecord.Empty, record.WithoutService(web));
    }

    [Theory]
    [InlineData("TCP 10.0.0.1:80")]
    [InlineData("UDP [fd00::1]:53")]
    [InlineData("SCTP 10.0.0.1:3868")]
    [InlineData("FWM 7")]
    [InlineData("FWM 7 IPv6")]
    public void ParseServiceKey_TextOfKey_RoundTrips(string text)
    {
        Assert.Equal(text, KeyText.ParseServiceKey(text).ToString());
    }

    [Fact]
    public void Refusal_AddressInsideBlock_IsNull()
    {
        Assert.Null(Policy.Refusal(Tcp("10.99.0.200", 443)));
        Assert.Null(Policy.Refusal(Tcp("fd00::99", 443)));
        Assert.NotNull(Policy.Refusal(Tcp("fd01::1", 443)));
    }

    [Fact]
    public void Serialize_RecordWithConfigurationsAndKernel_RoundTripsBoth()
    {
        VirtualService web = Service(Tcp("10.99.0.10", 80), "sh") with { Flags = ServiceFlags.Persistent, TimeoutSeconds = 300 };
        OwnershipRecord record = OwnershipRecord.Empty.WithService(web).WithService(Service(Tcp("10.99.0.11", 80)));

        string json = OwnershipJournal.Serialize(record, "boot b1, net:[1]");
        OwnershipRecord read = OwnershipJournal.Deserialize(json, "boot b1, net:[1]", out string? notice);

        Assert.Null(notice);
        Assert.Equal(record, read);
        Assert.Equal(web, read.Configurations[web.Key]);
        Assert.Contains("\"version\": 2", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("boot b2, net:[1]")]
    [InlineData("boot b1, net:[2]")]
    public void Deserialize_WrittenForAnotherKernelTable_OwnsNothingAndSaysWhy(string current)
    {
        string json = OwnershipJournal.Serialize(OwnershipRecord.Empty.WithService(Service(Tcp("10.99.0.10", 80))), "boot b1, net:[1]");

        OwnershipRecord read = OwnershipJournal.Deserialize(json, current, out string? notice);

        Assert.Same(OwnershipRecord.Empty, read);
        Assert.NotNull(notice);
        Assert.Contains("boot b1, net:[1]", notice, StringComparison.Ordinal);
        Assert.Contains(current, notice, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_Version1WithoutKernelOrConfigurations_OwnsItsServices()
    {
        OwnershipRecord read = OwnershipJournal.Deserialize("""{"version":1,"services":["TCP 10.99.0.10:80"]}""", "boot b1, net:[1]", out string? notice);

        Assert.Null(notice);
        Assert.Equal([Tcp("10.99.0.10", 80)], read.Services);
        Assert.Empty(read.Configurations);
    }

    [Fact]
    public void Deserialize_ConfigurationOfAServiceNotOwned_IsAnErrorNamingIt()
    {
        string json = """{"version":2,"services":[],"configurations":[{"service":"TCP 10.99.0.10:80","scheduler":"rr","netmask":32}]}""";

        FormatException error = Assert.Throws<FormatException>(() => OwnershipJournal.Deserialize(json));

        Assert.Contains("configurations[0].service: TCP 10.99.0.10:80 is not among the owned services", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_Version2ServiceWithoutConfiguration_NotOwnedAndNamed()
    {
        string json = """
            {"version":2,"services":["TCP 10.99.0.10:80","TCP 10.99.0.11:80"],
             "configurations":[{"service":"TCP 10.99.0.10:80","scheduler":"rr","netmask":32}]}
            """;

        OwnershipRecord read = OwnershipJournal.Deserialize(json, currentKernel: null, out string? notice);

        Assert.Equal([Tcp("10.99.0.10", 80)], read.Services);
        Assert.NotNull(notice);
        Assert.Contains("names TCP 10.99.0.11:80 without the configuration", notice, StringComparison.Ordinal);
    }
}
