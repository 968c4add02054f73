using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Ipvs.Agent.StaticServices;

/// <summary>
/// One value of a services file as the reader needs it: its text, its items or its entries, and the line it starts
/// on. YamlDotNet's representation model keeps far more per node (two marks, tag, anchor, style, an ordered
/// dictionary per mapping): loading one service of 10 real servers through it allocated about 24 KB, for a 10k-service
/// file a quarter of a GB, and under user-mode Linux the collections of that garbage touched thousands of pages.
/// </summary>
internal abstract class YamlValue(long line)
{
    /// <summary>The line it starts on (1-based, as YamlDotNet counts).</summary>
    public long Line { get; } = line;

    /// <summary>
    /// The value that starts at the parser's current event, read up to its end; null at an alias (an anchor's value
    /// may lie outside what is read: the caller reads the whole document through the representation model instead).
    /// Recursive: the guarded parser refuses nesting deeper than <see cref="Configuration.GuardedYamlParser.MaxDepth"/>.
    /// </summary>
    public static YamlValue? Read(IParser parser)
    {
        ParsingEvent? start = parser.Current;
        if (start is not (Scalar or SequenceStart or MappingStart))
        {
            return null;
        }

        parser.MoveNext();
        if (start is Scalar scalar)
        {
            return new YamlText(scalar.Start.Line, scalar.Value);
        }

        if (start is SequenceStart)
        {
            var items = new List<YamlValue>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (Read(parser) is not { } item)
                {
                    return null;
                }

                items.Add(item);
            }

            return new YamlList(start.Start.Line, items);
        }

        var entries = new List<KeyValuePair<YamlValue, YamlValue>>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (Read(parser) is not { } key || Read(parser) is not { } value)
            {
                return null;
            }

            entries.Add(new(key, value));
        }

        return new YamlMap(start.Start.Line, entries);
    }

    /// <summary>A node of a document the representation model loaded (aliases resolved), as a value.</summary>
    public static YamlValue From(YamlNode node) => node switch
    {
        YamlScalarNode scalar => new YamlText(node.Start.Line, scalar.Value ?? string.Empty),
        YamlSequenceNode sequence => new YamlList(node.Start.Line, [.. sequence.Children.Select(From)]),
        YamlMappingNode mapping => new YamlMap(node.Start.Line, [.. mapping.Children.Select(entry => new KeyValuePair<YamlValue, YamlValue>(From(entry.Key), From(entry.Value)))]),
        _ => throw new ArgumentException($"unexpected YAML node {node.NodeType}", nameof(node)),
    };
}

/// <summary>A scalar: its text as written, unquoted and unescaped (the reader gives it a meaning).</summary>
internal sealed class YamlText(long line, string text) : YamlValue(line)
{
    public string Text { get; } = text;
}

/// <summary>A sequence.</summary>
internal sealed class YamlList(long line, List<YamlValue> items) : YamlValue(line)
{
    public IReadOnlyList<YamlValue> Items { get; } = items;
}

/// <summary>A mapping, its entries in the file's order (duplicate keys kept: the reader reports them).</summary>
internal sealed class YamlMap(long line, List<KeyValuePair<YamlValue, YamlValue>> entries) : YamlValue(line)
{
    public IReadOnlyList<KeyValuePair<YamlValue, YamlValue>> Entries { get; } = entries;
}
