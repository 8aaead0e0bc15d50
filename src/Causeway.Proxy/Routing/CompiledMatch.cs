using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A route's match compiled into a fixed list of checks: path, method, scheme, authority, port, headers (present,
/// value, or absent for withoutHeaders) and query parameters. All must hold (Istio ANDs the fields of one match).
/// A header match may name a request pseudo-header (<c>:method</c>, <c>:scheme</c>, <c>:authority</c>,
/// <c>:path</c>, which Istio's validation allows and Envoy matches like any header; <c>:path</c> with the query, as
/// Envoy sees it); <c>:status</c> never appears on a request.
/// </summary>
internal sealed class CompiledMatch
{
    private readonly StringMatcher? path;
    private readonly StringMatcher? method;
    private readonly StringMatcher? scheme;
    private readonly StringMatcher? authority;
    private readonly uint port;
    private readonly (string Name, PseudoHeader Pseudo, StringMatcher? Value, bool Invert)[] headers;
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
        headers = m.Headers.Select(h => (h.Name, PseudoOf(h.Name), StringMatcher.Compile(h.Match), h.Invert)).ToArray();
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

        foreach (var (name, pseudo, value, invert) in headers)
        {
            var matched = TryGetHeader(ref request, name, pseudo, out var actual) && (value is null || value.Matches(actual));
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

    private enum PseudoHeader
    {
        None,
        Method,
        Scheme,
        Authority,
        Path,
        Status,
    }

    private static PseudoHeader PseudoOf(string name) => name switch
    {
        ":method" => PseudoHeader.Method,
        ":scheme" => PseudoHeader.Scheme,
        ":authority" => PseudoHeader.Authority,
        ":path" => PseudoHeader.Path,
        ":status" => PseudoHeader.Status,
        _ => PseudoHeader.None,
    };

    private static bool TryGetHeader<TRequest>(ref TRequest request, string name, PseudoHeader pseudo, out string value)
        where TRequest : struct, IRouteRequest
    {
        switch (pseudo)
        {
            case PseudoHeader.Method:
                value = request.Method;
                return true;
            case PseudoHeader.Scheme:
                value = request.Scheme;
                return true;
            case PseudoHeader.Authority:
                value = request.Authority;
                return true;
            case PseudoHeader.Path:
                var query = request.Query;
                value = query.Length == 0 ? request.Path : request.Path + "?" + query;
                return true;
            case PseudoHeader.Status:
                value = "";
                return false;
            default:
                return request.TryGetHeader(name, out value);
        }
    }
}
