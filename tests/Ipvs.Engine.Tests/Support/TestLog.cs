using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Ipvs.Engine.Tests.Support;

/// <summary>A logger that keeps every rendered message, so tests can assert what was logged.</summary>
internal sealed class TestLog : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    public TestLog() => Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public List<(LogEventLevel Level, string Message)> Events { get; } = [];

    public void Emit(LogEvent logEvent)
    {
        lock (Events)
        {
            using var text = new StringWriter();
            Formatter.Format(logEvent, text);
            Events.Add((logEvent.Level, text.ToString()));
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
