using System.Globalization;

namespace Ipvs.Core.Model;

/// <summary>
/// The words for schedulers, forwarding methods, protocols, tunnel types and service flags: what a declaration (the
/// services file, container labels) may say and what the agent prints, plus ipvsadm's own spellings of the same
/// things. One table each, so every parser accepts the same words and every printer writes them.
/// </summary>
/// <remarks>The declaration words are a user contract: add spellings, never remove one.</remarks>
public static class IpvsVocabulary
{
    /// <summary>Schedulers the kernel's IPVS modules provide (<c>ip_vs_&lt;name&gt;</c>), in ipvsadm's manual order.</summary>
    public static IReadOnlyList<string> Schedulers { get; } =
        ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

    /// <summary>What the kernel reports as the scheduler of a service created without one.</summary>
    public const string NoScheduler = "none";

    private static readonly (string Name, IpvsProtocol Value)[] _protocols =
        [("tcp", IpvsProtocol.Tcp), ("udp", IpvsProtocol.Udp), ("sctp", IpvsProtocol.Sctp)];

    // ipvsadm's -m, -g, -i; local is what the kernel chooses for a real server that is an address of this host.
    private static readonly (string Name, ForwardingMethod Value)[] _methods =
        [("nat", ForwardingMethod.Masquerade), ("dr", ForwardingMethod.Route), ("tun", ForwardingMethod.Tunnel), ("local", ForwardingMethod.Local)];

    // The Forward column of ipvsadm -L.
    private static readonly (string Name, ForwardingMethod Value)[] _ipvsadmMethods =
        [("Masq", ForwardingMethod.Masquerade), ("Route", ForwardingMethod.Route), ("Tunnel", ForwardingMethod.Tunnel), ("Local", ForwardingMethod.Local)];

    private static readonly (string Name, TunnelType Value)[] _tunnelTypes =
        [("ipip", TunnelType.IpIp), ("gue", TunnelType.Gue), ("gre", TunnelType.Gre)];

    // The mh- names are ipvsadm's aliases of the sh- bits; each scheduler flag needs its scheduler.
    private static readonly (string Name, ServiceFlags Value, string? Scheduler)[] _flags =
    [
        ("one-packet", ServiceFlags.OnePacket, null),
        ("sh-fallback", ServiceFlags.ShFallback, "sh"),
        ("sh-port", ServiceFlags.ShPort, "sh"),
        ("mh-fallback", ServiceFlags.ShFallback, "mh"),
        ("mh-port", ServiceFlags.ShPort, "mh"),
    ];

    /// <summary>Transport protocols as a declaration names them.</summary>
    public static IReadOnlyList<string> ProtocolNames { get; } = [.. _protocols.Select(entry => entry.Name)];

    /// <summary>Forwarding methods as a declaration names them.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = [.. _methods.Select(entry => entry.Name)];

    /// <summary>Service flags a declaration may set.</summary>
    public static IReadOnlyList<string> FlagNames { get; } = [.. _flags.Select(entry => entry.Name)];

    /// <summary>Tunnel encapsulations as a declaration (and ipvsadm's <c>--tun-type</c>) names them.</summary>
    public static IReadOnlyList<string> TunnelTypeNames { get; } = [.. _tunnelTypes.Select(entry => entry.Name)];

    public static bool IsScheduler(string name) => Schedulers.Contains(name, StringComparer.Ordinal);

    public static bool TryParseProtocol(string name, out IpvsProtocol protocol) => TryFind(_protocols, name, out protocol);

    public static string ProtocolName(IpvsProtocol protocol) => NameOf(_protocols, protocol);

    public static bool TryParseMethod(string name, out ForwardingMethod method) => TryFind(_methods, name, out method);

    public static string MethodName(ForwardingMethod method) => NameOf(_methods, method);

    /// <summary>The method as <c>ipvsadm -L</c> prints it in its Forward column.</summary>
    public static string IpvsadmMethodName(ForwardingMethod method) => NameOf(_ipvsadmMethods, method);

    public static bool TryParseIpvsadmMethod(string name, out ForwardingMethod method) => TryFind(_ipvsadmMethods, name, out method);

    public static bool TryParseTunnelType(string name, out TunnelType type) => TryFind(_tunnelTypes, name, out type);

    public static string TunnelTypeName(TunnelType type) => NameOf(_tunnelTypes, type);

    /// <summary>One of <see cref="FlagNames"/> as its bit, and the scheduler it needs (null: any).</summary>
    public static bool TryParseFlag(string name, out ServiceFlags flag, out string? scheduler)
    {
        foreach ((string known, ServiceFlags value, string? needs) in _flags)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                (flag, scheduler) = (value, needs);
                return true;
            }
        }

        (flag, scheduler) = (ServiceFlags.None, null);
        return false;
    }

    /// <summary>A scheduler flag as ipvsadm prints it in parentheses (<c>-L</c>) or after <c>-b</c> (<c>-S</c>).</summary>
    public static bool TryParseSchedulerFlag(string name, out ServiceFlags flag) =>
        TryParseFlag(name, out flag, out string? scheduler) && scheduler is not null;

    private static bool TryFind<T>((string Name, T Value)[] table, string name, out T value)
        where T : struct, Enum
    {
        foreach ((string known, T entry) in table)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                value = entry;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value's name, or its number for a value no name stands for.</summary>
    private static string NameOf<T>((string Name, T Value)[] table, T value)
        where T : struct, Enum
    {
        foreach ((string name, T entry) in table)
        {
            if (EqualityComparer<T>.Default.Equals(entry, value))
            {
                return name;
            }
        }

        return Convert.ToUInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }
}
