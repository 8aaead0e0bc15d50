using System.Text;

namespace Causeway.Proxy.Routing;

/// <summary>How request paths are normalized before routing: Istio's MeshConfig <c>pathNormalization</c>.</summary>
public enum PathNormalization
{
    /// <summary>Istio's BASE, its default: RFC 3986 normalization.</summary>
    Base,

    /// <summary>No normalization: the path is routed and forwarded exactly as received.</summary>
    None,

    /// <summary>BASE, then runs of slashes merged into one.</summary>
    MergeSlashes,

    /// <summary>BASE with <c>%2F</c> and <c>%5C</c> decoded to <c>/</c> and <c>\</c> first, then slashes merged.</summary>
    DecodeAndMergeSlashes,
}

/// <summary>
/// Request path normalization as Envoy's <c>normalize_path</c> does it for Istio (pathNormalization BASE and the
/// modes above it): percent-encoded unreserved characters (RFC 3986 section 2.3: letters, digits, <c>-._~</c>) are
/// decoded, other percent-encodings get upper-case hex, and dot segments are removed (section 5.2.4), <c>%2E</c> counting
/// as a dot; a path cannot climb above the root. The result is what routing matches and what goes upstream, so a
/// route for <c>/admin</c> cannot be slipped past with <c>/public/../admin</c> or <c>/%61dmin</c>. The query is left as
/// it is. Pure and allocation-free when the path is already normal, which it almost always is.
/// </summary>
public static class PathNormalizer
{
    /// <summary>The normalized path, the same instance when nothing changes.</summary>
    public static string Normalize(string path, PathNormalization mode)
    {
        if (mode == PathNormalization.None || (IsNormal(path) && (mode == PathNormalization.Base || !path.Contains("//", StringComparison.Ordinal))))
        {
            return path;
        }

        var decoded = DecodeUnreserved(path, mode == PathNormalization.DecodeAndMergeSlashes);
        var segments = RemoveDotSegments(decoded);
        if (mode is PathNormalization.MergeSlashes or PathNormalization.DecodeAndMergeSlashes)
        {
            segments = MergeSlashes(segments);
        }

        return string.Equals(segments, path, StringComparison.Ordinal) ? path : segments;
    }

    /// <summary>No percent sign and no dot segment: nothing BASE would change (the common case, checked without allocating).</summary>
    private static bool IsNormal(string path)
    {
        if (path.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '.' && (i == 0 || path[i - 1] == '/'))
            {
                var next = i + 1 < path.Length ? path[i + 1] : '/';
                if (next == '/' || (next == '.' && (i + 2 >= path.Length || path[i + 2] == '/')))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string DecodeUnreserved(string path, bool decodeSlashes)
    {
        if (!path.Contains('%', StringComparison.Ordinal))
        {
            return path;
        }

        var sb = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && IsHex(path[i + 1]) && IsHex(path[i + 2]))
            {
                var c = (char)((Hex(path[i + 1]) << 4) | Hex(path[i + 2]));
                if (IsUnreserved(c) || (decodeSlashes && c is '/' or '\\'))
                {
                    sb.Append(c);
                }
                else
                {
                    sb.Append('%').Append(char.ToUpperInvariant(path[i + 1])).Append(char.ToUpperInvariant(path[i + 2]));
                }

                i += 2;
            }
            else
            {
                sb.Append(path[i]);
            }
        }

        return sb.ToString();
    }

    /// <summary>RFC 3986 section 5.2.4, on a path that starts with '/' (origin-form); the trailing slash of a last dot segment stays.</summary>
    private static string RemoveDotSegments(string path)
    {
        var output = new List<string>();
        var segments = path.Split('/');
        // segments[0] is the empty string before the leading '/'.
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last)
                {
                    output.Add("");
                }
            }
            else if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add("");
                }
            }
            else
            {
                output.Add(segment);
            }
        }

        return "/" + string.Join('/', output);
    }

    private static string MergeSlashes(string path)
    {
        if (!path.Contains("//", StringComparison.Ordinal))
        {
            return path;
        }

        var sb = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c == '/' && sb.Length > 0 && sb[^1] == '/')
            {
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int Hex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
