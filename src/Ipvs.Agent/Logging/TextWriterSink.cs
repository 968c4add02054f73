using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Ipvs.Agent.Logging;

/// <summary>Writes log events to a <see cref="TextWriter"/>: the one-shot verbs log to the verb's error writer, which tests capture.</summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    private readonly Lock _lock = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            formatter.Format(logEvent, writer);
        }
    }
}
