using Ipvs.Core.Health;

namespace Ipvs.Core.Tests.Health;

public sealed class HealthCheckParserTests
{
    [Theory]
    [InlineData("tcp", HealthCheckKind.Tcp, "/")]
    [InlineData("http", HealthCheckKind.Http, "/")]
    [InlineData("http:/healthz", HealthCheckKind.Http, "/healthz")]
    [InlineData(" https:/ready?full=1 ", HealthCheckKind.Https, "/ready?full=1")]
    public void TryParseShorthand_KnownForm_GivesThatCheckWithDefaults(string text, HealthCheckKind kind, string path)
    {
        Assert.True(HealthCheckParser.TryParseShorthand(text, out HealthCheck? check, out string error), error);

        Assert.Equal(HealthCheck.Of(kind) with { Path = path }, check);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 2, 3, true), (check!.Interval, check.Timeout, check.Rise, check.Fall, check.StartsUp));
    }

    [Fact]
    public void TryParseShorthand_Off_GivesNoCheck()
    {
        Assert.True(HealthCheckParser.TryParseShorthand("off", out HealthCheck? check, out _));

        Assert.Null(check);
    }

    [Theory]
    [InlineData("ping", "expected tcp, http, https")]
    [InlineData("tcp:/x", "a tcp check takes no path")]
    [InlineData("http:healthz", "starts with '/'")]
    [InlineData("", "expected tcp, http, https")]
    public void TryParseShorthand_BadText_SaysWhatIsExpected(string text, string expected)
    {
        Assert.False(HealthCheckParser.TryParseShorthand(text, out _, out string error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("type", "https")]
    [InlineData("path", "/healthz")]
    [InlineData("port", "8080")]
    [InlineData("status", "200-204")]
    [InlineData("host", "web.example")]
    [InlineData("interval", "1m30s")]
    [InlineData("timeout", "500ms")]
    [InlineData("rise", "1")]
    [InlineData("fall", "100")]
    [InlineData("start", "down")]
    [InlineData("on-failure", "remove")]
    [InlineData("verify-certificate", "true")]
    public void TryApply_EveryOption_ChangesOnlyItsField(string option, string text)
    {
        HealthCheck before = HealthCheck.Of(HealthCheckKind.Http);

        Assert.True(HealthCheckParser.TryApply(before, option, text, out HealthCheck after, out string error), error);

        Assert.NotEqual(before, after);
        Assert.Contains(option, HealthCheckParser.Options);
    }

    [Fact]
    public void TryApply_Values_LandInTheirFields()
    {
        HealthCheck check = HealthCheck.Of(HealthCheckKind.Http);
        foreach ((string option, string text) in new[] { ("status", "200"), ("interval", "1s"), ("timeout", "250ms"), ("rise", "4"), ("fall", "1"), ("start", "down"), ("on-failure", "remove"), ("port", "9000") })
        {
            Assert.True(HealthCheckParser.TryApply(check, option, text, out check, out string error), error);
        }

        Assert.Equal((200, 200), (check.StatusLow, check.StatusHigh));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250)), (check.Interval, check.Timeout));
        Assert.Equal((4, 1, false, HealthFailureAction.Remove, (ushort)9000), (check.Rise, check.Fall, check.StartsUp, check.OnFailure, check.Port));
    }

    [Theory]
    [InlineData("port", "0", "1 to 65535")]
    [InlineData("port", "70000", "1 to 65535")]
    [InlineData("status", "600", "200-399")]
    [InlineData("status", "399-200", "200-399")]
    [InlineData("interval", "10ms", "from 100ms to 1h")]
    [InlineData("interval", "2h", "from 100ms to 1h")]
    [InlineData("timeout", "soon", "duration")]
    [InlineData("rise", "0", "1 to 100")]
    [InlineData("fall", "-1", "1 to 100")]
    [InlineData("start", "maybe", "up")]
    [InlineData("on-failure", "drop", "weight0 or remove")]
    [InlineData("verify-certificate", "yes", "true or false")]
    [InlineData("path", "/a b", "no spaces")]
    [InlineData("host", "a/b", "host name")]
    [InlineData("retries", "3", "known options are type, path")]
    public void TryApply_BadValue_RefusedWithTheAcceptedRange(string option, string text, string expected)
    {
        Assert.False(HealthCheckParser.TryApply(HealthCheck.Of(HealthCheckKind.Http), option, text, out _, out string error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_TimeoutLongerThanInterval_NamesBoth()
    {
        HealthCheck check = HealthCheck.Of(HealthCheckKind.Tcp) with { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(3) };

        Assert.Equal("the check timeout 3s is longer than its interval 1s", HealthCheckParser.Problem(check));
    }

    [Fact]
    public void Problem_HttpOptionsOnATcpCheck_Refused()
    {
        Assert.NotNull(HealthCheckParser.Problem(HealthCheck.Of(HealthCheckKind.Tcp) with { Path = "/healthz" }));
        Assert.NotNull(HealthCheckParser.Problem(HealthCheck.Of(HealthCheckKind.Http) with { VerifyCertificate = true }));
        Assert.Null(HealthCheckParser.Problem(HealthCheck.Of(HealthCheckKind.Https) with { VerifyCertificate = true, Path = "/x" }));
    }

    [Fact]
    public void Names_EveryKindAndAction_ParseBack()
    {
        foreach (HealthCheckKind kind in Enum.GetValues<HealthCheckKind>())
        {
            Assert.True(HealthCheckParser.TryApply(HealthCheck.Of(HealthCheckKind.Tcp), "type", HealthCheckParser.Name(kind), out HealthCheck check, out _));
            Assert.Equal(kind, check.Kind);
        }

        foreach (HealthFailureAction action in Enum.GetValues<HealthFailureAction>())
        {
            Assert.True(HealthCheckParser.TryApply(HealthCheck.Of(HealthCheckKind.Tcp), "on-failure", HealthCheckParser.Name(action), out HealthCheck check, out _));
            Assert.Equal(action, check.OnFailure);
        }
    }
}
