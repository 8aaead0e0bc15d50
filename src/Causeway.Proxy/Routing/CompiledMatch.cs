using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A route's match compiled into a fixed list of checks: path, method, scheme, authority, port, headers (present,
/// value, or absent for withoutHeaders) and query parameters. All must hold (Istio ANDs the fields of one match).
/// </summary>
internal sealed class CompiledMatch
{
    private readonly StringMatcher? path;
    private readonly StringMatcher? method;
    private readonly StringMatcher? scheme;
    private readonly StringMatcher? authority;
    private readonly uint port;
    private readonly (string Name, StringMatcher? Value, bool Invert)[] headers;
    private readonly (string Name, StringMatcher? Value)[] query;

    public CompiledMatch(RouteMatch? m)
    {
        if (m is null)
        {
            headers = [];
            query = [];
            return;
        }

        path = StringMatcher.Compile(m.Path, m.IgnoreUriCase);
        method = StringMatcher.Compile(m.Method);
        scheme = StringMatcher.Compile(m.Scheme);
        authority = StringMatcher.Compile(m.Authority);
        port = m.Port;
        headers = m.Headers.Select(h => (h.Name, StringMatcher.Compile(h.Match), h.Invert)).ToArray();
        query = m.QueryParams.Select(q => (q.Name, StringMatcher.Compile(q.Match))).ToArray();
    }

    public bool Matches<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
    {
        if (path is not null && !path.Matches(request.Path))
        {
            return false;
        }

        if (method is not null && !method.Matches(request.Method))
        {
            return false;
        }

        if (scheme is not null && !scheme.Matches(request.Scheme))
        {
            return false;
        }

        if (authority is not null && !authority.Matches(request.Authority))
        {
            return false;
        }

        if (port != 0 && port != request.Port)
        {
            return false;
        }

        foreach (var (name, value, invert) in headers)
        {
            var matched = request.TryGetHeader(name, out var actual) && (value is null || value.Matches(actual));
            if (matched == invert)
            {
                return false;
            }
        }

        if (query.Length > 0)
        {
            var q = request.Query;
            foreach (var (name, value) in query)
            {
                if (!QueryParameters.TryGet(q, name, out var actual) || (value is not null && !value.Matches(actual)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
