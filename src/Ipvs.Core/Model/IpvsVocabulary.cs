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
    public static readonly IReadOnlyList<string> Schedulers =
        ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

    /// <summary>What the kernel reports as the scheduler of a service created without one.</summary>
    public const string NoScheduler = "none";

    /// <summary>Transport protocols as a declaration names them.</summary>
    public static readonly IReadOnlyList<string> ProtocolNames = ["tcp", "udp", "sctp"];

    /// <summary>Forwarding methods as a declaration names them (ipvsadm's <c>-m</c>, <c>-g</c>, <c>-i</c>; local is chosen by the kernel).</summary>
    public static readonly IReadOnlyList<string> MethodNames = ["nat", "dr", "tun", "local"];

    /// <summary>Service flags a declaration may set; the <c>mh-</c> names are ipvsadm's aliases of the <c>sh-</c> bits.</summary>
    public static readonly IReadOnlyList<string> FlagNames = ["one-packet", "sh-fallback", "sh-port", "mh-fallback", "mh-port"];

    /// <summary>Tunnel encapsulations as a declaration (and ipvsadm's <c>--tun-type</c>) names them.</summary>
    public static readonly IReadOnlyList<string> TunnelTypeNames = ["ipip", "gue", "gre"];

    public static bool IsScheduler(string name) => Schedulers.Contains(name, StringComparer.Ordinal);

    public static bool TryParseProtocol(string name, out IpvsProtocol protocol)
    {
        protocol = name switch
        {
            "tcp" => IpvsProtocol.Tcp,
            "udp" => IpvsProtocol.Udp,
            "sctp" => IpvsProtocol.Sctp,
            _ => IpvsProtocol.None,
        };
        return protocol != IpvsProtocol.None;
    }

    public static string ProtocolName(IpvsProtocol protocol) => protocol switch
    {
        IpvsProtocol.Tcp => "tcp",
        IpvsProtocol.Udp => "udp",
        IpvsProtocol.Sctp => "sctp",
        _ => ((byte)protocol).ToString(CultureInfo.InvariantCulture),
    };

    public static bool TryParseMethod(string name, out ForwardingMethod method)
    {
        (bool known, method) = name switch
        {
            "nat" => (true, ForwardingMethod.Masquerade),
            "dr" => (true, ForwardingMethod.Route),
            "tun" => (true, ForwardingMethod.Tunnel),
            "local" => (true, ForwardingMethod.Local),
            _ => (false, ForwardingMethod.Masquerade),
        };
        return known;
    }

    public static string MethodName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "nat",
        ForwardingMethod.Route => "dr",
        ForwardingMethod.Tunnel => "tun",
        ForwardingMethod.Local => "local",
        _ => ((byte)method).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The method as <c>ipvsadm -L</c> prints it in its Forward column.</summary>
    public static string IpvsadmMethodName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "Masq",
        ForwardingMethod.Route => "Route",
        ForwardingMethod.Tunnel => "Tunnel",
        ForwardingMethod.Local => "Local",
        _ => ((byte)method).ToString(CultureInfo.InvariantCulture),
    };

    public static bool TryParseIpvsadmMethod(string name, out ForwardingMethod method)
    {
        (bool known, method) = name switch
        {
            "Masq" => (true, ForwardingMethod.Masquerade),
            "Route" => (true, ForwardingMethod.Route),
            "Tunnel" => (true, ForwardingMethod.Tunnel),
            "Local" => (true, ForwardingMethod.Local),
            _ => (false, ForwardingMethod.Masquerade),
        };
        return known;
    }

    /// <summary>One of <see cref="FlagNames"/> as its bit, and the scheduler it needs (null: any).</summary>
    public static bool TryParseFlag(string name, out ServiceFlags flag, out string? scheduler)
    {
        (flag, scheduler) = name switch
        {
            "one-packet" => (ServiceFlags.OnePacket, null),
            "sh-fallback" => (ServiceFlags.ShFallback, "sh"),
            "sh-port" => (ServiceFlags.ShPort, "sh"),
            "mh-fallback" => (ServiceFlags.ShFallback, "mh"),
            "mh-port" => (ServiceFlags.ShPort, "mh"),
            _ => (ServiceFlags.None, (string?)null),
        };
        return flag != ServiceFlags.None;
    }

    /// <summary>A scheduler flag as ipvsadm prints it in parentheses (<c>-L</c>) or after <c>-b</c> (<c>-S</c>).</summary>
    public static bool TryParseSchedulerFlag(string name, out ServiceFlags flag) =>
        TryParseFlag(name, out flag, out string? scheduler) && scheduler is not null;

    public static bool TryParseTunnelType(string name, out TunnelType type)
    {
        (bool known, type) = name switch
        {
            "ipip" => (true, TunnelType.IpIp),
            "gue" => (true, TunnelType.Gue),
            "gre" => (true, TunnelType.Gre),
            _ => (false, TunnelType.IpIp),
        };
        return known;
    }

    public static string TunnelTypeName(TunnelType type) => type switch
    {
        TunnelType.IpIp => "ipip",
        TunnelType.Gue => "gue",
        TunnelType.Gre => "gre",
        _ => ((byte)type).ToString(CultureInfo.InvariantCulture),
    };
}
