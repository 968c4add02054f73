using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ipvs.Core.Model;

namespace Ipvs.Core.Ownership;

/// <summary>Reads back the text forms of keys that <see cref="VirtualServiceKey.ToString"/> and <see cref="RealServerKey.ToString"/> write.</summary>
public static class KeyText
{
    /// <summary>Parses <c>10.1.1.2:8080</c> or <c>[fd00::2]:8080</c>; the port is null when absent (<c>10.1.1.2</c>, <c>[fd00::2]</c>).</summary>
    public static bool TryParseEndpoint(ReadOnlySpan<char> text, out NetAddress address, out ushort? port)
    {
        port = null;
        ReadOnlySpan<char> host = text;
        bool hasPort = false;
        ReadOnlySpan<char> portText = default;
        if (text.StartsWith("["))
        {
            int close = text.IndexOf(']');
            ReadOnlySpan<char> rest = close < 0 ? "?" : text[(close + 1)..];
            if (close < 0 || (!rest.IsEmpty && rest[0] != ':'))
            {
                address = default;
                return false;
            }

            host = text[..(close + 1)];
            hasPort = !rest.IsEmpty;
            portText = hasPort ? rest[1..] : default;
        }
        else if (text.Count(':') == 1)
        {
            int colon = text.IndexOf(':');
            host = text[..colon];
            hasPort = true;
            portText = text[(colon + 1)..];
        }

        // Without brackets, an IPv6 address is taken whole: a port after it would be ambiguous.
        if (!NetAddress.TryParse(host, out address))
        {
            return false;
        }

        if (hasPort)
        {
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out ushort parsedPort))
            {
                return false;
            }

            port = parsedPort;
        }

        return true;
    }

    public static RealServerKey ParseRealServerKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseEndpoint(text, out NetAddress address, out ushort? port) && port is not null
            ? new RealServerKey(address, port.Value)
            : throw new FormatException($"'{text}' is not a real server such as 10.1.1.2:8080 or [fd00::2]:8080.");
    }

    /// <summary>Parses <c>TCP 10.0.0.1:80</c>, <c>UDP [fd00::1]:53</c>, <c>SCTP ...</c>, <c>FWM 7</c> or <c>FWM 7 IPv6</c>.</summary>
    public static VirtualServiceKey ParseServiceKey(string text) =>
        TryParseServiceKey(text, out VirtualServiceKey key)
            ? key
            : throw new FormatException($"'{text}' is not a virtual service such as 'TCP 10.0.0.1:80' or 'FWM 7 IPv6'.");

    public static bool TryParseServiceKey([NotNullWhen(true)] string? text, out VirtualServiceKey key)
    {
        key = default;
        if (text is null)
        {
            return false;
        }

        string[] words = text.Split(' ');
        if (words is ["FWM", var markText, .. var rest] && rest.Length <= 1
            && uint.TryParse(markText, NumberStyles.None, CultureInfo.InvariantCulture, out uint mark) && mark != 0)
        {
            IpFamily? family = rest switch
            {
                [] => IpFamily.V4,
                ["IPv6"] => IpFamily.V6,
                _ => null,
            };
            if (family is null)
            {
                return false;
            }

            key = VirtualServiceKey.ForFirewallMark(family.Value, mark);
            return true;
        }

        if (words.Length != 2)
        {
            return false;
        }

        IpvsProtocol protocol = words[0] switch
        {
            "TCP" => IpvsProtocol.Tcp,
            "UDP" => IpvsProtocol.Udp,
            "SCTP" => IpvsProtocol.Sctp,
            _ => IpvsProtocol.None,
        };
        if (protocol == IpvsProtocol.None || !TryParseEndpoint(words[1], out NetAddress address, out ushort? port) || port is null)
        {
            return false;
        }

        key = VirtualServiceKey.ForAddress(protocol, address, port.Value);
        return true;
    }
}
