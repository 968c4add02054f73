using Ipvs.Agent.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Ipvs.Agent.Logging;

/// <summary>The daemon's Serilog logger: human lines by default, compact JSON with <c>--log-format json</c>; the level can change at run time.</summary>
/// <remarks>
/// Lines are written by a background thread (<see cref="BlockWriterSink"/>): the event path logs (the Docker snapshot,
/// then each change) before and while it changes the kernel, and must not wait while journald, or a slow disk behind
/// a redirected stdout, takes a line. They go out in blocks, one write per burst rather than per line.
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
            .WriteTo.Sink(new BlockWriterSink(output ?? StandardOutput(), formatter))
            .CreateLogger();
    }

    /// <summary>Standard output through a 64 KiB buffer that the sink flushes after each burst (<see cref="Console.Out"/> flushes every write).</summary>
    private static StreamWriter StandardOutput() =>
        new(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
}
