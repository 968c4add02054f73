using Ipvs.Agent.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Formatting.Compact;

namespace Ipvs.Agent.Logging;

/// <summary>The daemon's Serilog logger: human lines by default, compact JSON with <c>--log-format json</c>; the level can change at run time.</summary>
internal static class AgentLogging
{
    public const string TextTemplate = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger Create(LogFormat format, LoggingLevelSwitch level)
    {
        LoggerConfiguration configuration = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext();
        configuration = format == LogFormat.Json
            ? configuration.WriteTo.Console(new RenderedCompactJsonFormatter())
            : configuration.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return configuration.CreateLogger();
    }
}
