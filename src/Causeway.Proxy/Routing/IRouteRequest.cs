namespace Causeway.Proxy.Routing;

/// <summary>
/// What routing reads from a request. Implemented by a struct over the live HTTP request in the proxy and by a
/// plain struct in the simulation harness; matching is generic over it, so nothing is boxed per request.
/// </summary>
public interface IRouteRequest
{
    string Method { get; }

    /// <summary>http or https.</summary>
    string Scheme { get; }

    /// <summary>Host or :authority as sent, possibly with a port.</summary>
    string Authority { get; }

    /// <summary>The path, without the query string.</summary>
    string Path { get; }

    /// <summary>The query string without the leading '?', or empty.</summary>
    string Query { get; }

    /// <summary>The port the request arrived on (the listener's).</summary>
    uint Port { get; }

    /// <summary>A header's value; several values of one header are joined with ',' as Envoy matches them.</summary>
    bool TryGetHeader(string name, out string value);
}
