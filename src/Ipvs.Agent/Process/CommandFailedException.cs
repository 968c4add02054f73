
namespace Ipvs.Agent.Process;

/// <summary>A verb cannot go on; the message is printed as is and the process exits with <see cref="ExitCode"/>.</summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException()
    {
    }

    public CommandFailedException(string message)
        : base(message)
    {
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CommandFailedException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public int ExitCode { get; } = ExitCodes.Runtime;
}
