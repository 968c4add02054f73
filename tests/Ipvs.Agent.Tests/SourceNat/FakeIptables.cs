using Ipvs.Agent.SourceNat;

namespace Ipvs.Agent.Tests.SourceNat;

/// <summary>
/// The nat and filter tables of each iptables backend, as far as <c>-save</c> and <c>-restore --noflush</c> show them:
/// chain declarations, appends, deletes by spec, flush and delete of a chain, one commit per table. Calls are recorded.
/// </summary>
internal sealed class FakeIptables
{
    private readonly Dictionary<string, Tables> _backends = new(StringComparer.Ordinal);

    /// <summary>What <c>iptables -V</c> prints; null: iptables is not installed.</summary>
    public string? Version { get; set; } = "iptables v1.8.9 (nf_tables)";

    /// <summary>Backends whose restore the kernel refuses (the lab has no nf_tables for IPv4).</summary>
    public HashSet<string> Refusing { get; } = [];

    public List<string> Calls { get; } = [];

    public Tables Of(string backend) => _backends.TryGetValue(backend, out Tables? tables) ? tables : _backends[backend] = new Tables();

    public CommandResult Run(string program, IReadOnlyList<string> arguments, string? input)
    {
        Calls.Add($"{program} {string.Join(' ', arguments)}".TrimEnd());
        if (Version is null)
        {
            return new CommandResult(127, string.Empty, $"{program}: No such file or directory");
        }

        if (arguments is ["-V"])
        {
            return new CommandResult(0, program.StartsWith("ip6", StringComparison.Ordinal) ? Version.Replace("iptables", "ip6tables", StringComparison.Ordinal) : Version, string.Empty);
        }

        if (program.EndsWith("-save", StringComparison.Ordinal))
        {
            return new CommandResult(0, Of(program[..^"-save".Length]).Save(), string.Empty);
        }

        string backend = program[..^"-restore".Length];
        return Refusing.Contains(backend)
            ? new CommandResult(1, string.Empty, "iptables-restore v1.8.9 (nf_tables): CHAIN_ADD failed (Operation not supported): chain POSTROUTING")
            : Of(backend).Restore(input!);
    }

    internal sealed class Tables
    {
        private static readonly Dictionary<string, string[]> BuiltIn = new(StringComparer.Ordinal)
        {
            ["filter"] = ["INPUT", "FORWARD", "OUTPUT"],
            ["nat"] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        };

        private readonly Dictionary<string, (List<string> Chains, List<string> Rules)> _tables = new(StringComparer.Ordinal)
        {
            ["filter"] = ([], []),
            ["nat"] = ([], []),
        };

        /// <summary>The rules of <paramref name="table"/>, in order.</summary>
        public IReadOnlyList<string> Rules(string table) => _tables[table].Rules;

        public void Add(string table, string rule) => _tables[table].Rules.Add(rule);

        public string Save() => string.Concat(_tables.Select(table =>
            $"*{table.Key}\n" + string.Concat(BuiltIn[table.Key].Select(chain => $":{chain} ACCEPT [0:0]\n"))
            + string.Concat(table.Value.Chains.Select(chain => $":{chain} - [0:0]\n"))
            + string.Concat(table.Value.Rules.Select(rule => rule + "\n")) + "COMMIT\n"));

        /// <summary>All or nothing per table, as each commit is.</summary>
        public CommandResult Restore(string input)
        {
            string? table = null;
            List<string> chains = [], rules = [];
            foreach (string line in input.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] words = line.Split(' ');
                switch (words[0])
                {
                    case var name when name.StartsWith('*'):
                        table = name[1..];
                        chains = [.. _tables[table].Chains];
                        rules = [.. _tables[table].Rules];
                        break;
                    case "COMMIT":
                        _tables[table!] = (chains, rules);
                        break;
                    case var declaration when declaration.StartsWith(':'):
                        string declared = declaration[1..];
                        rules.RemoveAll(rule => rule.StartsWith($"-A {declared} ", StringComparison.Ordinal));
                        if (!chains.Contains(declared))
                        {
                            chains.Add(declared);
                        }

                        break;
                    case "-A":
                        rules.Add(line);
                        break;
                    case "-D" when rules.Remove("-A" + line[2..]):
                        break;
                    case "-F":
                        rules.RemoveAll(rule => rule.StartsWith($"-A {words[1]} ", StringComparison.Ordinal));
                        break;
                    case "-X" when !rules.Any(rule => rule.EndsWith($" -j {words[1]}", StringComparison.Ordinal)):
                        chains.Remove(words[1]);
                        break;
                    default:
                        return new CommandResult(1, string.Empty, $"iptables-restore: line failed: {line}");
                }
            }

            return new CommandResult(0, string.Empty, string.Empty);
        }
    }
}
