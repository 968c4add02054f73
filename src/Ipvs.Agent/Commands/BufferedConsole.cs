using System.Text;

namespace Ipvs.Agent.Commands;

/// <summary>
/// Standard output and error for the verbs, written in large blocks: <see cref="Console.Out"/> flushes every write (a
/// syscall each, five per log line through Serilog's formatter), which made a 1k-service <c>apply</c> cost 112,007
/// writes. Flushed when the verb ends, when the process exits (SIGTERM included) and when a buffer fills.
/// </summary>
internal sealed class BufferedConsole : IDisposable
{
    private const int BufferChars = 64 * 1024;

    private readonly StreamWriter _out;
    private readonly StreamWriter _error;

    private BufferedConsole()
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        _out = new StreamWriter(Console.OpenStandardOutput(), encoding, BufferChars) { AutoFlush = false };
        _error = new StreamWriter(Console.OpenStandardError(), encoding, BufferChars) { AutoFlush = false };
        Out = TextWriter.Synchronized(_out);
        Error = TextWriter.Synchronized(_error);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public static BufferedConsole Open() => new();

    /// <summary>Error first: a verb's log and warnings precede its result, as they did when every line went out at once.</summary>
    public void Flush()
    {
        FlushQuietly(Error);
        FlushQuietly(Out);
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Flush();
    }

    private static void FlushQuietly(TextWriter writer)
    {
        try
        {
            writer.Flush();
        }
        catch (IOException)
        {
            // A closed pipe (`ipvs-agent status | head`): nothing more can be said, and the exit code stands.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Flush();
}
