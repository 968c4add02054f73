namespace Ipvs.Agent.Tests.Support;

/// <summary>The checkout's README.md, for tests that hold it to what the code accepts.</summary>
internal static class ReadmeFile
{
    public static string[] Lines()
    {
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Ipvs.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        return File.ReadAllLines(Path.Combine(root.FullName, "README.md"));
    }

    /// <summary>The ```<paramref name="language"/> blocks whose annotation (the <c>&lt;!-- example: … --&gt;</c> line above) contains <paramref name="marker"/>.</summary>
    public static string[] Blocks(string language, string marker)
    {
        string[] lines = Lines();
        var blocks = new List<string>();
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].StartsWith("<!-- example:", StringComparison.Ordinal) && lines[i].Contains(marker, StringComparison.Ordinal) && lines[i + 1] == "```" + language)
            {
                int end = Array.IndexOf(lines, "```", i + 2);
                blocks.Add(string.Join('\n', lines[(i + 2)..end]));
            }
        }

        return [.. blocks];
    }
}
