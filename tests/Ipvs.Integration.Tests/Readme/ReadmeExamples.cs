using System.Text;
using System.Text.RegularExpressions;

namespace Ipvs.Integration.Tests.Readme;

/// <summary>
/// One fenced code block of README.md and what its annotation says to do with it. The annotation is an HTML comment on
/// the closest non-blank line above the fence: <c>&lt;!-- example: KIND [ARGUMENT] --&gt;</c>, where KIND is
/// <c>file PATH</c> (write the block there), <c>run</c> (run it as root in the lab), <c>daemon</c> (start it, wait for
/// it to converge, stop it), <c>docker</c> (run it in the Docker lab next to a running agent), <c>host</c> (run on the
/// host from the repository root: <c>tests/readme/host-examples</c>) or <c>skip: REASON</c>.
/// </summary>
internal sealed record ReadmeExample(int Line, string Language, string Kind, string Argument, string Text)
{
    public override string ToString() => $"README.md:{Line} ({Kind}{(Argument.Length > 0 ? " " + Argument : string.Empty)})";
}

internal static partial class ReadmeExamples
{
    public static readonly string[] Kinds = ["file", "run", "daemon", "docker", "host", "skip:"];

    /// <summary>The checkout's root: the first parent of the test assembly that holds Ipvs.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Ipvs.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException("Cannot find the repository root (Ipvs.sln) above " + AppContext.BaseDirectory);
        }
    }

    public static IReadOnlyList<ReadmeExample> Load() => Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "README.md")));

    /// <summary>Every fenced block that names a language (diagrams have none); an unannotated one has kind "missing".</summary>
    public static IReadOnlyList<ReadmeExample> Parse(string markdown)
    {
        string[] lines = markdown.Split('\n');
        var examples = new List<ReadmeExample>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match fence = OpeningFence().Match(lines[i]);
            if (!fence.Success)
            {
                if (lines[i].StartsWith("```", StringComparison.Ordinal))
                {
                    i = SkipBlock(lines, i);
                }

                continue;
            }

            int end = SkipBlock(lines, i);
            var text = new StringBuilder();
            for (int j = i + 1; j < end; j++)
            {
                text.Append(lines[j]).Append('\n');
            }

            (string kind, string argument) = AnnotationAbove(lines, i);
            examples.Add(new ReadmeExample(i + 1, fence.Groups[1].Value, kind, argument, text.ToString()));
            i = end;
        }

        return examples;
    }

    private static int SkipBlock(string[] lines, int opening)
    {
        for (int j = opening + 1; j < lines.Length; j++)
        {
            if (lines[j].TrimEnd() == "```")
            {
                return j;
            }
        }

        throw new FormatException($"README.md:{opening + 1}: the code block is never closed");
    }

    private static (string Kind, string Argument) AnnotationAbove(string[] lines, int fence)
    {
        for (int j = fence - 1; j >= 0; j--)
        {
            if (string.IsNullOrWhiteSpace(lines[j]))
            {
                continue;
            }

            Match annotation = Annotation().Match(lines[j]);
            if (!annotation.Success)
            {
                return ("missing", string.Empty);
            }

            string words = annotation.Groups[1].Value.Trim();
            if (words.StartsWith("skip:", StringComparison.Ordinal))
            {
                return ("skip:", words["skip:".Length..].Trim());
            }

            int space = words.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? (words, string.Empty) : (words[..space], words[(space + 1)..].Trim());
        }

        return ("missing", string.Empty);
    }

    [GeneratedRegex(@"^```([a-z]+)\s*$")]
    private static partial Regex OpeningFence();

    [GeneratedRegex(@"^<!--\s*example:\s*(.+?)\s*-->\s*$")]
    private static partial Regex Annotation();
}
