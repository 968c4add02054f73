using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Ipvs.Agent.Configuration;

/// <summary>
/// Wraps YamlDotNet's parser (which is iterative) and refuses, as a <see cref="YamlException"/> at the offending
/// line, what would crash or balloon the process further on: nesting deeper than a limit (the representation model
/// loads recursively: 50,000 levels overflow the stack), aliases that expand to far more nodes than the file holds (a
/// few hundred bytes of nested aliases are billions of nodes to whoever walks the tree), and a second document
/// (silently ignored otherwise).
/// </summary>
/// <remarks>
/// YamlDotNet 18 bounds recursion only in its object deserializer (<c>WithMaximumRecursion</c>); its parser and
/// representation model have neither a depth nor an alias limit, hence this guard.
/// </remarks>
internal sealed class GuardedYamlParser(IParser inner) : IParser
{
    /// <summary>Deepest nesting of mappings and sequences: the agent's files need 6.</summary>
    public const int MaxDepth = 64;

    /// <summary>Aliases may add this many nodes, plus <see cref="AliasNodesPerEvent"/> for each event read so far.</summary>
    public const long AliasNodeAllowance = 10_000;

    public const long AliasNodesPerEvent = 10;

    private readonly Stack<(AnchorName Anchor, long Nodes)> _open = new();
    private readonly Dictionary<AnchorName, long> _anchorNodes = [];
    private long _events;
    private long _aliasNodes;
    private int _documents;

    public ParsingEvent? Current => inner.Current;

    /// <summary>Aliases read so far.</summary>
    public long Aliases { get; private set; }

    /// <summary>Loads a file's one document through the guard.</summary>
    /// <exception cref="YamlException">For every failure, with its line: YamlDotNet's own other exceptions included.</exception>
    public static YamlStream Load(string yaml) => Load(new StringReader(yaml));

    /// <summary>Loads the one document of the text <paramref name="yaml"/> gives through the guard.</summary>
    /// <exception cref="YamlException">For every failure, with its line: YamlDotNet's own other exceptions included.</exception>
    public static YamlStream Load(TextReader yaml) => Read(yaml, static parser =>
    {
        var stream = new YamlStream();
        stream.Load(parser);
        return stream;
    });

    /// <summary>Runs <paramref name="read"/> on a guarded parser of the text <paramref name="yaml"/> gives.</summary>
    /// <exception cref="YamlException">For every failure, with its line: YamlDotNet's own other exceptions included.</exception>
    public static T Read<T>(TextReader yaml, Func<GuardedYamlParser, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var parser = new GuardedYamlParser(new Parser(yaml));
        try
        {
            return read(parser);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            // The representation model throws ArgumentException on some event sequences the parser lets through.
            Mark where = parser.Current?.Start ?? Mark.Empty;
            throw new YamlException(where, where, $"not valid YAML here (the YAML reader gave up: {exception.Message})", exception);
        }
    }

    public bool MoveNext()
    {
        bool moved;
        try
        {
            moved = inner.MoveNext();
        }
        catch (Exception exception) when (exception is not (YamlException or InputFileException or IOException))
        {
            // YamlDotNet 18.1's scanner throws InvalidOperationException on some broken files (a plain scalar such as
            // "fd00::/6Fwmarks:" inside an unclosed flow sequence): still a syntax error, reported where reading stopped.
            Mark where = inner.Current?.End ?? Mark.Empty;
            throw new YamlException(where, where, $"not valid YAML after this point (the YAML reader gave up: {exception.Message})", exception);
        }

        if (!moved)
        {
            return false;
        }

        ParsingEvent current = inner.Current!;
        _events++;
        switch (current)
        {
            case DocumentStart:
                if (++_documents > 1)
                {
                    throw new YamlException(current.Start, current.End, "a second YAML document starts here; the file must hold exactly one");
                }

                break;
            case MappingStart or SequenceStart:
                _open.Push((((NodeEvent)current).Anchor, 1));
                if (_open.Count > MaxDepth)
                {
                    throw new YamlException(current.Start, current.End, $"nested deeper than {MaxDepth} levels");
                }

                break;
            case MappingEnd or SequenceEnd:
                (AnchorName anchor, long nodes) = _open.Pop();
                Count(anchor, nodes);
                break;
            case Scalar scalar:
                Count(scalar.Anchor, 1);
                break;
            case AnchorAlias alias:
                Aliases++;
                long expanded = _anchorNodes.GetValueOrDefault(alias.Value, 1);
                _aliasNodes += expanded;
                if (_aliasNodes > AliasNodeAllowance + (AliasNodesPerEvent * _events))
                {
                    throw new YamlException(current.Start, current.End,
                        $"aliases here expand to {_aliasNodes} nodes, more than the {AliasNodeAllowance + (AliasNodesPerEvent * _events)} allowed for a file of this size (nested aliases are refused as a YAML bomb)");
                }

                Count(AnchorName.Empty, expanded);
                break;
        }

        return true;
    }

    /// <summary>Adds a finished node (with everything its aliases expand to) to its parent, and remembers an anchored one's size.</summary>
    private void Count(AnchorName anchor, long nodes)
    {
        if (!anchor.IsEmpty)
        {
            _anchorNodes[anchor] = nodes;
        }

        if (_open.TryPop(out (AnchorName Anchor, long Nodes) parent))
        {
            _open.Push((parent.Anchor, parent.Nodes + nodes));
        }
    }
}
