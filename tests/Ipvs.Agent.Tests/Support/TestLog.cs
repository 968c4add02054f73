using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Ipvs.Agent.Tests.Support;

/// <summary>A logger that keeps every rendered message, so tests can assert what was logged.</summary>
internal sealed class TestLog : ILogEventSink
{
    public TestLog() => Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public List<(LogEventLevel Level, string Message)> Events { get; } = [];

    public void Emit(LogEvent logEvent)
    {
        lock (Events)
        {
            Events.Add((logEvent.Level, logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public IEnumerable<string> Messages(LogEventLevel level)
    {
        lock (Events)
        {
            return [.. Events.Where(entry => entry.Level == level).Select(entry => entry.Message)];
        }
    }
}
