namespace Ipvs.Agent.Configuration;

/// <summary>
/// A file read as it is parsed broke a rule of <see cref="InputFile"/> (larger than its limit, not UTF-8) partway
/// through: the parser must let it through as it is, not report it as a syntax error at the line it had reached.
/// </summary>
internal sealed class InputFileException(string message) : FormatException(message);
