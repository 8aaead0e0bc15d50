using Causeway.Proxy.Routing;

namespace Causeway.Cli.Commands;

/// <summary>A request described on the command line, as the proxy's route matching sees one.</summary>
internal readonly struct ExplainRequest(string method, Uri url, IReadOnlyDictionary<string, string> headers, string authority) : IRouteRequest
{
    public string Method { get; } = method;

    public string Scheme { get; } = url.Scheme;

    public string Authority { get; } = authority;

    public string Path { get; } = url.AbsolutePath;

    public string Query { get; } = url.Query.TrimStart('?');

    public uint Port { get; } = (uint)url.Port;

    public bool TryGetHeader(string name, out string value)
    {
        foreach (var (k, v) in headers)
        {
            if (k.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = "";
        return false;
    }
}
