using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Causeway.Api.Loading;

/// <summary>
/// Reads a multi-document YAML (or JSON) text into line-aware node trees. Each document is parsed on its own, so a
/// syntax error in one document is reported and its neighbours still load. Depth, size and alias expansion are
/// bounded so no input can exhaust the stack or memory.
/// </summary>
internal static class YamlDocumentReader
{
    public const int MaxDepth = 200;
    public const long MaxWeight = 2_000_000;

    public static IEnumerable<YamlDocument> Read(string text)
    {
        foreach (var (chunk, firstLine) in SplitDocuments(text))
        {
            var doc = ReadOne(chunk, firstLine);
            if (doc is not null)
            {
                yield return doc with { Text = chunk };
            }
        }
    }

    /// <summary>Splits on lines that start with <c>---</c>, remembering where each chunk starts (1-based line).</summary>
    private static IEnumerable<(string Chunk, int FirstLine)> SplitDocuments(string text)
    {
        var start = 0;
        var startLine = 1;
        var line = 1;
        var pos = 0;
        while (pos <= text.Length)
        {
            var end = text.IndexOf('\n', pos);
            var lineEnd = end < 0 ? text.Length : end;
            var isSeparator = lineEnd - pos >= 3 && string.CompareOrdinal(text, pos, "---", 0, 3) == 0 &&
                              (lineEnd - pos == 3 || char.IsWhiteSpace(text[pos + 3]));
            if (isSeparator)
            {
                yield return (text[start..pos], startLine);

                // The separator line may carry content ("--- !tag" or "--- {a: 1}"): keep it, minus the marker.
                start = pos + 3;
                startLine = line;
            }

            if (end < 0)
            {
                break;
            }

            pos = end + 1;
            line++;
        }

        yield return (text[start..], startLine);
    }

    /// <summary>Parses a document's text again (it parsed before, so it parses the same way).</summary>
    public static YamlNode? Reparse(string text, int firstLine) => ReadOne(text, firstLine)?.Root;

    private static YamlDocument? ReadOne(string chunk, int firstLine)
    {
        var offset = firstLine - 1;
        try
        {
            var parser = new Parser(new StringReader(chunk));
            var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            var stack = new Stack<YamlNode>();
            var pendingKeys = new Stack<YamlScalar?>();
            YamlNode? root = null;
            long total = 0;

            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                YamlNode? complete = null;
                var line = (int)ev.Start.Line + offset;
                var column = (int)ev.Start.Column;
                switch (ev)
                {
                    case MappingStart ms:
                        if (stack.Count >= MaxDepth)
                        {
                            return Fail($"nesting deeper than {MaxDepth} levels", line, column);
                        }

                        var map = new YamlMap(line, column);
                        Remember(anchors, ms.Anchor, map);
                        stack.Push(map);
                        pendingKeys.Push(null);
                        continue;
                    case SequenceStart ss:
                        if (stack.Count >= MaxDepth)
                        {
                            return Fail($"nesting deeper than {MaxDepth} levels", line, column);
                        }

                        var seq = new YamlSeq(line, column);
                        Remember(anchors, ss.Anchor, seq);
                        stack.Push(seq);
                        pendingKeys.Push(null);
                        continue;
                    case MappingEnd or SequenceEnd:
                        complete = stack.Pop();
                        pendingKeys.Pop();
                        break;
                    case Scalar sc:
                        var tag = sc.Tag.IsEmpty ? null : sc.Tag.Value;
                        var scalar = new YamlScalar(sc.Value, sc.Style == ScalarStyle.Plain, tag, line, column);
                        Remember(anchors, sc.Anchor, scalar);
                        complete = scalar;
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            return Fail($"unknown alias *{alias.Value.Value}", line, column);
                        }

                        complete = target;
                        break;
                    default:
                        continue;
                }

                total += complete.Weight;
                if (total > MaxWeight)
                {
                    return Fail($"document too large: more than {MaxWeight} nodes (after expanding aliases)", line, column);
                }

                if (stack.Count == 0)
                {
                    root = complete;
                    continue;
                }

                switch (stack.Peek())
                {
                    case YamlSeq parentSeq:
                        parentSeq.Add(complete);
                        break;
                    case YamlMap parentMap:
                        var key = pendingKeys.Pop();
                        if (key is null)
                        {
                            if (complete is not YamlScalar keyScalar)
                            {
                                return Fail("a mapping key must be a plain value, not " + complete.KindName, complete.Line, complete.Column);
                            }

                            pendingKeys.Push(keyScalar);
                        }
                        else
                        {
                            parentMap.Add(key, complete);
                            pendingKeys.Push(null);
                        }

                        break;
                }
            }

            return root is null ? null : new YamlDocument(root, firstLine, null, 0, 0);
        }
        catch (YamlException ex)
        {
            return Fail(ex.Message.Split('\n')[0], (int)ex.Start.Line + offset, (int)ex.Start.Column);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these on some malformed input instead of a YamlException.
            return Fail($"malformed YAML ({ex.Message.TrimEnd('.')})", firstLine, 1);
        }

        YamlDocument Fail(string message, int line, int column) => new(null, firstLine, message, line, column);
    }

    private static void Remember(Dictionary<string, YamlNode> anchors, AnchorName anchor, YamlNode node)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }
    }
}
