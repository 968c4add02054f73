using System.Text;

namespace Ipvs.Agent.Tests.Support;

/// <summary>Deterministic mutations of a seed text for fuzz tests: replaced, inserted, deleted and repeated pieces, one to four per input.</summary>
internal sealed class Mutator(int seed)
{
    /// <summary>Characters that mean something to YAML or JSON, and some that mean nothing.</summary>
    private const string Interesting = ":-[]{}&*!|>'\"#\n \t,?%@`\\0123456789abcxyzTFWMPU.\u00e9\u0000";

    private static readonly string[] Tokens =
    [
        "&a ", "*a", "<<: ", "---\n", "...\n", "- ", ": ", "[", "]", "{", "}", "null", "~", "true", "-1", "99999999999999999999", "1e400",
        "!!binary ", "!tag ", "\"\\u0000\"", "'", "\t", "\r\n", "[fd00::1]:80", "10.99.0.1:0", "FWM 4294967295", "TCP 10.99.0.1:80 ", "\"Service\"",
    ];

    private readonly Random _random = new(seed);

    public string Mutate(string text)
    {
        var builder = new StringBuilder(text);
        int count = 1 + _random.Next(4);
        for (int i = 0; i < count; i++)
        {
            int at = builder.Length == 0 ? 0 : _random.Next(builder.Length);
            int length = Math.Min(builder.Length - at, 1 + _random.Next(12));
            switch (_random.Next(5))
            {
                case 0 when builder.Length > 0:
                    builder[at] = Interesting[_random.Next(Interesting.Length)];
                    break;
                case 1:
                    builder.Insert(at, Tokens[_random.Next(Tokens.Length)]);
                    break;
                case 2:
                    builder.Remove(at, length);
                    break;
                case 3:
                    builder.Insert(at, builder.ToString(at, length));
                    break;
                default:
                    builder.Insert(at, Interesting[_random.Next(Interesting.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }
}
