using Ipvs.Agent.SourceNat;

namespace Ipvs.Agent.Tests.SourceNat;

/// <summary>
/// The nat table of each iptables backend, as far as <c>-save -t nat</c> and <c>-restore --noflush</c> show it: chain
/// declarations, appends, deletes by spec, flush and delete of a chain. Calls are recorded.
/// </summary>
internal sealed class FakeIptables
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);

    /// <summary>What <c>iptables -V</c> prints; null: iptables is not installed.</summary>
    public string? Version { get; set; } = "iptables v1.8.9 (nf_tables)";

    /// <summary>Backends whose restore the kernel refuses (the lab has no nf_tables for IPv4).</summary>
    public HashSet<string> Refusing { get; } = [];

    public List<string> Calls { get; } = [];

    public Table Of(string backend) => _tables.TryGetValue(backend, out Table? table) ? table : _tables[backend] = new Table();

    public CommandResult Run(string program, IReadOnlyList<string> arguments, string? input)
    {
        Calls.Add($"{program} {string.Join(' ', arguments)}");
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

    internal sealed class Table
    {
        private readonly List<string> _chains = [];
        private readonly List<string> _rules = [];

        public IReadOnlyList<string> Rules => _rules;

        public void Add(string rule) => _rules.Add(rule);

        public string Save() =>
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
            + string.Concat(_chains.Select(chain => $":{chain} - [0:0]\n"))
            + string.Concat(_rules.Select(rule => rule + "\n")) + "COMMIT\n";

        /// <summary>All or nothing, as one restore commit is.</summary>
        public CommandResult Restore(string input)
        {
            var chains = new List<string>(_chains);
            var rules = new List<string>(_rules);
            foreach (string line in input.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] words = line.Split(' ');
                switch (words[0])
                {
                    case "*nat" or "COMMIT":
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

            _chains.Clear();
            _chains.AddRange(chains);
            _rules.Clear();
            _rules.AddRange(rules);
            return new CommandResult(0, string.Empty, string.Empty);
        }
    }
}
