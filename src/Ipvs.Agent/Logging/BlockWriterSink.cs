using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace Ipvs.Agent.Logging;

/// <summary>
/// The daemon's log writer: events are queued by the logging thread and written by a background thread in blocks,
/// one flush each time it catches up with the queue, so a pass's lines reach stdout in a write or a few rather than
/// one (or, through a per-token formatter, several) each; a quiet agent's single line still goes out at once.
/// </summary>
/// <remarks>
/// The event path never waits for journald or a slow disk; a full queue (<see cref="Capacity"/> lines) blocks rather
/// than drops, since the log is the agent's record of every change. Disposing writes what is queued and flushes.
/// </remarks>
internal sealed class BlockWriterSink : ILogEventSink, IDisposable
{
    public const int Capacity = 10_000;

    private readonly BlockingCollection<LogEvent> _queue = new(Capacity);
    private readonly TextWriter _writer;
    private readonly ITextFormatter _formatter;
    private readonly Thread _thread;

    public BlockWriterSink(TextWriter writer, ITextFormatter formatter)
    {
        _writer = writer;
        _formatter = formatter;
        _thread = new Thread(Pump) { IsBackground = true, Name = "log writer" };
        _thread.Start();
    }

    public void Emit(LogEvent logEvent)
    {
        try
        {
            _queue.Add(logEvent);
        }
        catch (InvalidOperationException)
        {
            // Logged after the sink was disposed (a late shutdown line): nowhere left to write it.
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private void Pump()
    {
        while (_queue.TryTake(out LogEvent? logEvent, Timeout.Infinite))
        {
            Write(logEvent);
            while (_queue.TryTake(out logEvent))
            {
                Write(logEvent);
            }

            try
            {
                _writer.Flush();
            }
            catch (IOException exception)
            {
                SelfLog.WriteLine("Log flush failed: {0}", exception);
            }
        }
    }

    private void Write(LogEvent logEvent)
    {
        try
        {
            _formatter.Format(logEvent, _writer);
        }
        catch (IOException exception)
        {
            SelfLog.WriteLine("Log write failed: {0}", exception);
        }
    }
}
