using System.Numerics;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// Narrows a virtual host's routes to those whose path match could hold, so a long route table is not tried one by
/// one. Every path match implies a literal prefix the path must start with (a prefix match its prefix, an exact match
/// the whole string, a regex its leading literal characters: regexes match the whole path). Those prefixes go into a
/// trie; walking the request path down it gives, as a bit set, the routes whose prefix the path starts with, plus the
/// routes with no path condition. They are then tried in table order, so first-match-wins is unchanged: the index
/// only skips routes that could not match.
/// </summary>
internal sealed class PathPrefixIndex
{
    private readonly Node root = new();
    private readonly int words;

    public PathPrefixIndex(IReadOnlyList<Route> routes)
    {
        words = (routes.Count + 63) / 64;
        for (var i = 0; i < routes.Count; i++)
        {
            var node = root;
            foreach (var c in LiteralPrefix(routes[i].Match))
            {
                node = node.ChildOrAdd(c);
            }

            node.Routes ??= new ulong[words];
            node.Routes[i >> 6] |= 1UL << (i & 63);
        }

        root.Freeze();
    }

    /// <summary>How many 64-bit words a candidate set needs.</summary>
    public int Words => words;

    /// <summary>Sets, in <paramref name="candidates"/>, the routes whose path match could hold for this path.</summary>
    public void Collect(string path, Span<ulong> candidates)
    {
        var node = root;
        Or(candidates, node.Routes);
        foreach (var c in path)
        {
            node = node.Child(c);
            if (node is null)
            {
                return;
            }

            Or(candidates, node.Routes);
        }
    }

    /// <summary>The index of the next candidate at or after <paramref name="from"/>, or -1.</summary>
    public static int Next(ReadOnlySpan<ulong> candidates, int from)
    {
        for (var w = from >> 6; w < candidates.Length; w++)
        {
            var bits = candidates[w];
            if (w == from >> 6)
            {
                bits &= ~0UL << (from & 63);
            }

            if (bits != 0)
            {
                return (w << 6) + BitOperations.TrailingZeroCount(bits);
            }
        }

        return -1;
    }

    /// <summary>
    /// The characters every matching path starts with. Case-insensitive matches (ignoreUriCase) give none: they are
    /// always candidates.
    /// </summary>
    internal static string LiteralPrefix(RouteMatch? match)
    {
        if (match?.Path is not { } path || match.IgnoreUriCase)
        {
            return "";
        }

        return path.KindCase switch
        {
            StringMatch.KindOneofCase.Exact => path.Exact,
            StringMatch.KindOneofCase.Prefix => path.Prefix,
            StringMatch.KindOneofCase.Regex => RegexLiteralPrefix(path.Regex),
            _ => "",
        };
    }

    /// <summary>
    /// The leading literal characters of an RE2 pattern: up to the first metacharacter, without a last character
    /// that a quantifier makes optional. A pattern with an alternation anywhere gives none (conservative).
    /// </summary>
    internal static string RegexLiteralPrefix(string pattern)
    {
        if (pattern.Contains('|', StringComparison.Ordinal))
        {
            return "";
        }

        var literal = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            char c;
            var width = 1;
            if (pattern[i] == '\\')
            {
                if (i + 1 >= pattern.Length || char.IsAsciiLetterOrDigit(pattern[i + 1]))
                {
                    break; // a class (\d, \w), an anchor (\A, \b) or a numeric escape: not one literal character
                }

                c = pattern[i + 1];
                width = 2;
            }
            else if (".[](){}*+?^$".Contains(pattern[i], StringComparison.Ordinal))
            {
                break;
            }
            else
            {
                c = pattern[i];
            }

            var next = i + width < pattern.Length ? pattern[i + width] : '\0';
            if (next is '*' or '?' or '{')
            {
                break; // this character may be absent or repeated differently
            }

            literal.Append(c);
            i += width - 1;
        }

        return literal.ToString();
    }

    private static void Or(Span<ulong> into, ulong[]? from)
    {
        if (from is null)
        {
            return;
        }

        for (var i = 0; i < from.Length; i++)
        {
            into[i] |= from[i];
        }
    }

    /// <summary>A trie node; children in parallel arrays sorted by character once built.</summary>
    private sealed class Node
    {
        private readonly Dictionary<char, Node> building = [];
        private char[] keys = [];
        private Node[] children = [];

        public ulong[]? Routes { get; set; }

        public Node ChildOrAdd(char c)
        {
            if (!building.TryGetValue(c, out var child))
            {
                child = new Node();
                building[c] = child;
            }

            return child;
        }

        public void Freeze()
        {
            keys = building.Keys.Order().ToArray();
            children = keys.Select(k => building[k]).ToArray();
            foreach (var child in children)
            {
                child.Freeze();
            }

            building.Clear();
        }

        public Node? Child(char c)
        {
            var k = keys;
            if (k.Length <= 8)
            {
                for (var i = 0; i < k.Length; i++)
                {
                    if (k[i] == c)
                    {
                        return children[i];
                    }
                }

                return null;
            }

            var at = Array.BinarySearch(k, c);
            return at >= 0 ? children[at] : null;
        }
    }
}
