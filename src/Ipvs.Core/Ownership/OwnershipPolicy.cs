using System.Globalization;
using Ipvs.Core.Model;

namespace Ipvs.Core.Ownership;

/// <summary>A block of addresses the agent may put virtual services on: <c>10.99.0.0/24</c>.</summary>
public readonly record struct AddressBlock(NetAddress Network, int PrefixLength)
{
    public bool Contains(NetAddress address) => address.IsInPrefix(Network, PrefixLength);

    public static AddressBlock Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !NetAddress.TryParse(text.AsSpan(0, slash), out NetAddress network)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > network.ByteLength * 8)
        {
            throw new FormatException($"'{text}' is not an address block such as 10.99.0.0/24 or fd00::/64.");
        }

        return new AddressBlock(network, prefix);
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}

/// <summary>An inclusive range of firewall marks the agent may put virtual services on.</summary>
public readonly record struct FirewallMarkRange(uint First, uint Last)
{
    public bool Contains(uint mark) => mark >= First && mark <= Last;

    public override string ToString() => First == Last
        ? First.ToString(CultureInfo.InvariantCulture)
        : $"{First.ToString(CultureInfo.InvariantCulture)}-{Last.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Where the agent may own services at all: configured VIP blocks and firewall-mark ranges.</summary>
public sealed record OwnershipPolicy(IReadOnlyList<AddressBlock> AddressBlocks, IReadOnlyList<FirewallMarkRange> FirewallMarks)
{
    /// <summary>Null when the agent may own a service with this key, else why not.</summary>
    public string? Refusal(VirtualServiceKey key)
    {
        // Loops rather than LINQ: the planner asks this for every service on every pass.
        if (key.IsFirewallMark)
        {
            foreach (FirewallMarkRange range in FirewallMarks)
            {
                if (range.Contains(key.FirewallMark))
                {
                    return null;
                }
            }

            return FirewallMarks.Count == 0
                ? $"{key}: firewall mark {key.FirewallMark} is refused: no firewall-mark ranges are configured as owned"
                : $"{key}: firewall mark {key.FirewallMark} is outside the owned ranges {string.Join(", ", FirewallMarks)}";
        }

        foreach (AddressBlock block in AddressBlocks)
        {
            if (block.Contains(key.Address))
            {
                return null;
            }
        }

        return AddressBlocks.Count == 0
            ? $"{key}: VIP {key.Address} is refused: no VIP blocks are configured as owned"
            : $"{key}: VIP {key.Address} is outside the owned VIP blocks {string.Join(", ", AddressBlocks)}";
    }

    /// <summary>The configuration key and flag that would allow <paramref name="key"/>, for refusals an operator must act on.</summary>
    /// <remarks>The static services file is held to the same blocks as Docker labels: the ownership journal records what
    /// the agent created, not which source licensed it, so a VIP allowed only by the file could not be told apart from one
    /// whose block was withdrawn once it left the file (docs in the README, "Configuration").</remarks>
    public static string HowToAllow(VirtualServiceKey key)
    {
        if (key.IsFirewallMark)
        {
            string mark = key.FirewallMark.ToString(CultureInfo.InvariantCulture);
            return $"allow it with `allowedFwmarks: [{mark}]` in the config file or `--allowed-fwmark {mark}`";
        }

        string single = $"{key.Address}/{key.Address.ByteLength * 8}";
        return $"allow it with `allowedVipCidrs: [{single}]` (or a wider block) in the config file or `--allowed-vip-cidr {single}`";
    }
}
