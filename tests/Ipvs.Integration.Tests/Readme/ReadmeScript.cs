using System.Globalization;
using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Ipvs.Integration.Tests.Readme;

/// <summary>
/// A bash script that runs README examples as written, in a mount and network namespace of its own: <c>/etc</c> and
/// <c>/var/lib</c> are overlays on guest tmpfs (the lab's root is the host's filesystem, and the README's paths are
/// <c>/etc/ipvs-agent</c> and <c>/var/lib/ipvs-agent</c>), and the published agent is first on PATH as <c>ipvs-agent</c>.
/// </summary>
internal sealed class ReadmeScript
{
    private const string EndOfFile = "README_EXAMPLE_EOF";
    private readonly StringBuilder _script = new();

    public ReadmeScript(string scratch)
    {
        string agentDirectory = Path.Combine(ReadmeExamples.RepositoryRoot, "artifacts", "ipvs-agent");
        _script.Append(CultureInfo.InvariantCulture, $$"""
            set -euo pipefail
            scratch={{scratch}}
            for tree in etc lib; do mkdir -p "$scratch/$tree-upper" "$scratch/$tree-work"; done
            mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/etc-upper,workdir=$scratch/etc-work" /etc
            mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$scratch/lib-upper,workdir=$scratch/lib-work" /var/lib
            ip link set lo up
            export PATH={{agentDirectory}}:$PATH
            # Waits up to $1 seconds for the command after it to succeed; says what it awaited when it never does.
            eventually() {
                local deadline=$((SECONDS + $1)); shift
                until "$@" >/dev/null 2>&1; do
                    if ((SECONDS > deadline)); then echo "readme-examples: '$*' did not succeed within the wait" >&2; return 1; fi
                    sleep 1
                done
            }
            cd "$scratch"

            """);
    }

    public void WriteFile(ReadmeExample example)
    {
        _script.Append(CultureInfo.InvariantCulture, $$"""
            echo "== {{example}}"
            mkdir -p "$(dirname '{{example.Argument}}')"
            cat >'{{example.Argument}}' <<'{{EndOfFile}}'
            {{example.Text}}{{EndOfFile}}

            """);
    }

    public void Run(ReadmeExample example)
    {
        _script.Append(CultureInfo.InvariantCulture, $$"""
            echo "== {{example}}"
            {{example.Text}}
            """);
    }

    /// <summary>Starts <paramref name="example"/> in the background as <c>$daemon</c>, its output in <c>daemon.log</c>.</summary>
    public void Start(ReadmeExample example)
    {
        _script.Append(CultureInfo.InvariantCulture, $$"""
            echo "== {{example}}: started in the background"
            (
            {{example.Text}}) >daemon.log 2>&1 &
            daemon=$!

            """);
    }

    /// <summary>Plain bash lines of the test's own (checks, waits, cleanup).</summary>
    public void Append(string lines) => _script.Append(lines).Append('\n');

    /// <summary>Runs the script with <c>unshare --mount --net</c>; the result carries both outputs.</summary>
    public async Task<BufferedCommandResult> RunAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        return await Cli.Wrap("unshare")
            .WithArguments(["--mount", "--net", "bash", "-c", _script.ToString()])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(deadline.Token);
    }

    public override string ToString() => _script.ToString();
}
