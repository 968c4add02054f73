namespace Ipvs.Netlink.Client;

/// <summary>
/// Names a request for error messages, e.g. <c>IPVS_CMD_DEL_DEST</c> + <c>10.0.0.2:80 from TCP 10.0.0.1:80</c>.
/// The subject is only formatted when a request fails, so the hot paths (one dump per service) build no strings.
/// </summary>
public readonly record struct OperationName(string Command, object? Subject = null)
{
    public static implicit operator OperationName(string command) => new(command);

    public static OperationName FromString(string command) => new(command);

    public override string ToString() => Subject is null ? Command : $"{Command} {Subject}";
}
