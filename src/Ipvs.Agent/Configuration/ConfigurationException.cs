namespace Ipvs.Agent.Configuration;

/// <summary>The configuration is unusable; every problem is listed, each naming where the value came from.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException()
    {
        Problems = [];
    }

    public ConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public ConfigurationException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
