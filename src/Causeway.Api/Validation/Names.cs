using System.Net;

namespace Causeway.Api.Validation;

/// <summary>The syntax checks Kubernetes and Istio apply to names, hosts, addresses, labels and headers.</summary>
public static class Names
{
    /// <summary>DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63.</summary>
    public static bool IsDns1123Label(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length > 63 || s[0] == '-' || s[^1] == '-')
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>DNS-1123 subdomain: dot-separated labels, at most 253.</summary>
    public static bool IsDns1123Subdomain(string? s) =>
        !string.IsNullOrEmpty(s) && s.Length <= 253 && s.Split('.').All(IsDns1123Label);

    /// <summary>
    /// A service host as Istio accepts it: an FQDN or short name, optionally with a leading <c>*.</c> wildcard, or
    /// <c>*</c> alone. Upper case is allowed (hosts compare case-insensitively) but must otherwise be DNS-like.
    /// </summary>
    public static string? CheckHost(string? host, bool allowWildcard = true)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "host is empty";
        }

        if (host == "*")
        {
            return allowWildcard ? null : "wildcard host \"*\" is not allowed here";
        }

        var name = host;
        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            if (!allowWildcard)
            {
                return $"wildcard host \"{host}\" is not allowed here";
            }

            name = name[2..];
        }

        if (name.Contains('*', StringComparison.Ordinal))
        {
            return $"invalid host \"{host}\": a wildcard is only allowed as the leftmost label (\"*.example.com\")";
        }

        if (name.Length > 253)
        {
            return $"host \"{host}\" is longer than 253 characters";
        }

        // Allow a trailing dot (absolute name).
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        foreach (var label in trimmed.Split('.'))
        {
            if (!IsDnsLabelAnyCase(label))
            {
                return $"invalid host \"{host}\": \"{label}\" is not a valid DNS label";
            }
        }

        return null;
    }

    public static bool IsIp(string? s) => !string.IsNullOrEmpty(s) && IPAddress.TryParse(s, out _) && (s.Contains('.', StringComparison.Ordinal) || s.Contains(':', StringComparison.Ordinal));

    /// <summary>An IP address or a CIDR block (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>).</summary>
    public static bool IsIpOrCidr(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return IsIp(s);
        }

        return IPNetwork.TryParse(s, out _) || (IPAddress.TryParse(s[..slash], out var ip) && int.TryParse(s[(slash + 1)..], out var bits) &&
            bits >= 0 && bits <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
    }

    /// <summary>An HTTP header name (RFC 9110 token).</summary>
    public static bool IsHeaderName(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A Kubernetes label key: optional DNS subdomain prefix and '/', then a name of at most 63.</summary>
    public static string? CheckLabelKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && !IsDns1123Subdomain(key[..slash]))
        {
            return $"label key \"{key}\": prefix must be a DNS subdomain";
        }

        return IsQualifiedName(name) ? null : $"invalid label key \"{key}\"";
    }

    /// <summary>A Kubernetes label value: empty, or at most 63 alphanumerics with '-', '_', '.' inside.</summary>
    public static bool IsLabelValue(string v) => v.Length == 0 || IsQualifiedName(v);

    private static bool IsQualifiedName(string s)
    {
        if (s.Length is 0 or > 63 || !char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDnsLabelAnyCase(string label)
    {
        if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
