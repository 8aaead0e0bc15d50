namespace Causeway.Proxy.Routing;

/// <summary>Finds a query parameter's (percent-decoded) value without building a dictionary per request.</summary>
internal static class QueryParameters
{
    public static bool TryGet(string query, string name, out string value)
    {
        var span = query.AsSpan();
        while (!span.IsEmpty)
        {
            var amp = span.IndexOf('&');
            var pair = amp < 0 ? span : span[..amp];
            span = amp < 0 ? default : span[(amp + 1)..];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (Decode(key) == name)
            {
                value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
                return true;
            }
        }

        value = "";
        return false;
    }

    private static string Decode(ReadOnlySpan<char> s) =>
        s.IndexOfAny('%', '+') < 0 ? s.ToString() : Uri.UnescapeDataString(s.ToString().Replace('+', ' '));
}
