namespace Ipvs.Dns.Tests.Support;

/// <summary>Hex strings for golden bytes: whitespace and '|' separators are ignored so fields can be laid out.</summary>
internal static class Hex
{
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c) && c != '|')));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
