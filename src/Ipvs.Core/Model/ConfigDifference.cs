using System.Globalization;

namespace Ipvs.Core.Model;

/// <summary>One configuration field that differs between two versions of a service or real server, in words.</summary>
/// <param name="Field">The field's name as an operator knows it: <c>scheduler</c>, <c>weight</c>, ...</param>
/// <param name="Left">The first value, formatted.</param>
/// <param name="Right">The second value, formatted.</param>
public readonly record struct ConfigDifference(string Field, string Left, string Right)
{
    /// <summary>The form used for changes in plan reasons: <c>weight 1 -> 3</c>.</summary>
    public override string ToString() => $"{Field} {Left} -> {Right}";

    /// <summary>Every configuration difference between two services with the same key; the kernel's Hashed bit is ignored.</summary>
    public static List<ConfigDifference> Between(in VirtualService left, in VirtualService right)
    {
        var differences = new List<ConfigDifference>();
        if (!string.Equals(left.Scheduler, right.Scheduler, StringComparison.Ordinal))
        {
            differences.Add(new("scheduler", left.Scheduler, right.Scheduler));
        }

        ServiceFlags leftFlags = left.Flags & ~ServiceFlags.Hashed;
        ServiceFlags rightFlags = right.Flags & ~ServiceFlags.Hashed;
        if (leftFlags != rightFlags)
        {
            differences.Add(new("flags", FormatFlags(leftFlags), FormatFlags(rightFlags)));
        }

        if (left.TimeoutSeconds != right.TimeoutSeconds)
        {
            differences.Add(new("persistence timeout", Seconds(left.TimeoutSeconds), Seconds(right.TimeoutSeconds)));
        }

        if (left.NetmaskPrefix != right.NetmaskPrefix)
        {
            differences.Add(new("netmask", $"/{left.NetmaskPrefix}", $"/{right.NetmaskPrefix}"));
        }

        if (!string.Equals(left.PersistenceEngine ?? string.Empty, right.PersistenceEngine ?? string.Empty, StringComparison.Ordinal))
        {
            differences.Add(new("pe", left.PersistenceEngine ?? "none", right.PersistenceEngine ?? "none"));
        }

        return differences;
    }

    /// <summary>Every configuration difference between two real servers with the same key.</summary>
    public static List<ConfigDifference> Between(in RealServer left, in RealServer right)
    {
        var differences = new List<ConfigDifference>();
        if (left.Method != right.Method)
        {
            differences.Add(new("method", IpvsVocabulary.MethodName(left.Method), IpvsVocabulary.MethodName(right.Method)));
        }

        if (left.Weight != right.Weight)
        {
            differences.Add(new("weight", Number(left.Weight), Number(right.Weight)));
        }

        if (left.UpperThreshold != right.UpperThreshold)
        {
            differences.Add(new("upper threshold", Number(left.UpperThreshold), Number(right.UpperThreshold)));
        }

        if (left.LowerThreshold != right.LowerThreshold)
        {
            differences.Add(new("lower threshold", Number(left.LowerThreshold), Number(right.LowerThreshold)));
        }

        // Tunnel settings mean nothing for other methods; the kernel reports them as zero there.
        if (left.Method == ForwardingMethod.Tunnel && right.Method == ForwardingMethod.Tunnel)
        {
            if (left.TunnelType != right.TunnelType)
            {
                differences.Add(new("tunnel type", IpvsVocabulary.TunnelTypeName(left.TunnelType), IpvsVocabulary.TunnelTypeName(right.TunnelType)));
            }

            if (left.TunnelPort != right.TunnelPort)
            {
                differences.Add(new("tunnel port", Number(left.TunnelPort), Number(right.TunnelPort)));
            }

            if (left.TunnelFlags != right.TunnelFlags)
            {
                differences.Add(new("tunnel checksum", TunnelChecksumName(left.TunnelFlags), TunnelChecksumName(right.TunnelFlags)));
            }
        }

        return differences;
    }

    public static string FormatFlags(ServiceFlags flags)
    {
        var names = new List<string>();
        if (flags.HasFlag(ServiceFlags.Persistent))
        {
            names.Add("persistent");
        }

        if (flags.HasFlag(ServiceFlags.OnePacket))
        {
            names.Add("one-packet");
        }

        if (flags.HasFlag(ServiceFlags.ShFallback))
        {
            names.Add("sh-fallback");
        }

        if (flags.HasFlag(ServiceFlags.ShPort))
        {
            names.Add("sh-port");
        }

        if (flags.HasFlag(ServiceFlags.SchedulerFlag3))
        {
            names.Add("flag-3");
        }

        return names.Count == 0 ? "none" : string.Join(',', names);
    }

    public static string TunnelChecksumName(TunnelFlags flags) => flags switch
    {
        TunnelFlags.NoChecksum => "none",
        TunnelFlags.Checksum => "csum",
        TunnelFlags.RemoteChecksum => "remcsum",
        _ => ((ushort)flags).ToString(CultureInfo.InvariantCulture),
    };

    private static string Seconds(uint seconds) => seconds.ToString(CultureInfo.InvariantCulture) + "s";

    private static string Number<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
