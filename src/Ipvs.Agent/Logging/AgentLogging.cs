using Ipvs.Agent.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Ipvs.Agent.Logging;

/// <summary>The daemon's Serilog logger: human lines by default, compact JSON with <c>--log-format json</c>; the level can change at run time.</summary>
/// <remarks>
/// Lines are written by a background thread: the event path logs (the Docker snapshot, then each change) before and
/// while it changes the kernel, and must not wait while journald, or a slow disk behind a redirected stdout, takes a
/// line. A full queue (10k lines, e.g. a large table's first load) blocks rather than drops: the log is the agent's
/// record of every change.
/// </remarks>
internal static class AgentLogging
{
    public const string TextTemplate = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <param name="format">Text or JSON lines.</param>
    /// <param name="level">The switch SIGHUP and the configuration change.</param>
    /// <param name="output">Where lines go; standard output when null.</param>
    public static Logger Create(LogFormat format, LoggingLevelSwitch level, TextWriter? output = null)
    {
        ITextFormatter formatter = format == LogFormat.Json
            ? new RenderedCompactJsonFormatter()
            : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture);
        return new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Async(
                sink =>
                {
                    if (output is null)
                    {
                        sink.Console(formatter);
                    }
                    else
                    {
                        sink.Sink(new TextWriterSink(output, formatter));
                    }
                },
                blockWhenFull: true)
            .CreateLogger();
    }
}
