using Ipvs.Core.Planning;

namespace Ipvs.Engine;

/// <summary>How a change is named in logs and in the one-shot verbs' output: one wording everywhere.</summary>
internal static class ChangeText
{
    public static string ChangeName(IpvsOperationKind kind) => kind switch
    {
        IpvsOperationKind.AddService => "add service",
        IpvsOperationKind.UpdateService => "change service",
        IpvsOperationKind.DeleteService => "remove service",
        IpvsOperationKind.AddServer => "add",
        IpvsOperationKind.UpdateServer => "change",
        _ => "remove",
    };

    /// <summary><c>TCP 10.99.0.10:80</c>, or <c>TCP 10.99.0.10:80 real server 10.1.1.2:8080</c>.</summary>
    public static string Subject(IpvsOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Server is { } server ? $"{operation.ServiceKey} real server {server.Key}" : operation.ServiceKey.ToString();
    }

    /// <summary>The declaration's source, or <c>agent</c> for what the agent decided by itself (drains, cleanup).</summary>
    public static string SourceText(IpvsOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Source?.ToString() ?? "agent";
    }

    public static string Capitalized(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return char.ToUpperInvariant(text[0]) + text[1..];
    }
}
