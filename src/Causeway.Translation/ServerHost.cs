namespace Causeway.Translation;

/// <summary>A Gateway server's host entry, <c>[namespace/]dnsName</c>: the namespace defaults to <c>*</c>; the name is lower-cased.</summary>
internal readonly record struct ServerHost(string Namespace, string Host)
{
    public static ServerHost Parse(string entry)
    {
        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? new ServerHost("*", entry.ToLowerInvariant())
            : new ServerHost(entry[..slash], entry[(slash + 1)..].ToLowerInvariant());
    }
}
