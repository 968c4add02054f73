using Ipvs.Agent.Configuration;
using Ipvs.Agent.Logging;
using Serilog.Core;

namespace Ipvs.Agent.Tests.Logging;

public sealed class AgentLoggingTests
{
    [Fact]
    public async Task Create_OutputBlocked_LoggingReturnsAndTheLineIsWrittenOnceItUnblocks()
    {
        using var output = new GatedWriter();

        await using (Logger gated = AgentLogging.Create(LogFormat.Json, new LoggingLevelSwitch(), output))
        {
            // Were the write synchronous, this would wait for the gate, which opens only after it returned.
            await Task.Run(() => gated.Information("Add {Subject}", "TCP 10.99.0.10:80 real server 172.17.0.3:80"), TestContext.Current.CancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.Equal(string.Empty, output.Text);
            output.Open();
        }

        // Disposing flushed the queue.
        Assert.StartsWith("{\"@t\":", output.Text, StringComparison.Ordinal);
        Assert.Contains("TCP 10.99.0.10:80 real server 172.17.0.3:80", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TextFormat_WritesTimestampLevelAndLiteralMessage()
    {
        using var output = new StringWriter();
        await using (Logger log = AgentLogging.Create(LogFormat.Text, new LoggingLevelSwitch(), output))
        {
            log.Warning("Leaving {Entry} alone", "TCP 10.1.1.1:80");
        }

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d WRN Leaving TCP 10.1.1.1:80 alone\r?\n$", output.ToString());
    }

    /// <summary>A writer whose writes wait until <see cref="Open"/>, like a stdout pipe to a stalled journald.</summary>
    private sealed class GatedWriter : StringWriter
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly Lock _lock = new();

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return GetStringBuilder().ToString();
                }
            }
        }

        public void Open() => _gate.Set();

        public override void Write(char value)
        {
            _gate.Wait();
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            _gate.Wait();
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            _gate.Wait();
            lock (_lock)
            {
                base.Write(buffer, index, count);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _gate.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
