using System.Buffers;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>What a request asks of the proxy about protocol upgrades, once it passed <see cref="DownstreamChecks"/>.</summary>
internal enum UpgradeRequest
{
    /// <summary>No upgrade: forwarded as a plain request (an h2c upgrade offer is dropped, as Envoy drops it).</summary>
    None,

    /// <summary>A WebSocket upgrade (Istio enables <c>websocket</c> in every HTTP connection manager): relayed after the 101.</summary>
    WebSocket,
}

/// <summary>
/// What Envoy's HTTP connection manager refuses before any route is consulted, answered as Envoy answers it:
/// CONNECT and upgrades other than WebSocket get 403 with <c>upgrade_failed</c> (Istio configures only
/// <c>websocket</c> in <c>upgrade_configs</c>; an <c>h2c</c> upgrade offer is stripped, not refused); control
/// characters (0x00-0x1f and 0x7f; a tab only inside header values) in the request target or a header value get
/// 400 <c>http1.invalid_characters</c> with DPE; a Host whose port is not a number from 1 to 65535 gets 400
/// <c>http.invalid_authority</c> with DPE. None of these reach an upstream.
/// </summary>
internal static class DownstreamChecks
{
    private static readonly SearchValues<char> TargetControls = SearchValues.Create(Controls(allowTab: false));
    private static readonly SearchValues<char> ValueControls = SearchValues.Create(Controls(allowTab: true));

    /// <summary>Null when the request may be routed (with what it asks about upgrades), else how it is refused.</summary>
    public static LocalRefusal? Check(HttpContext ctx, string target, out UpgradeRequest upgrade)
    {
        upgrade = UpgradeRequest.None;
        var request = ctx.Request;
        if (HttpMethods.IsConnect(request.Method))
        {
            return new LocalRefusal(403, ResponseFlags.None, "upgrade_failed");
        }

        if (target.AsSpan().IndexOfAny(TargetControls) >= 0)
        {
            return InvalidCharacters;
        }

        foreach (var (_, values) in request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && value.AsSpan().IndexOfAny(ValueControls) >= 0)
                {
                    return InvalidCharacters;
                }
            }
        }

        if (!ValidAuthority(request.Host.Value ?? ""))
        {
            return new LocalRefusal(400, ResponseFlags.DownstreamProtocolError, "http.invalid_authority");
        }

        if (request.Protocol is "HTTP/1.1" or "HTTP/1.0" && request.Headers.Upgrade is { Count: > 0 } offer)
        {
            var token = offer.ToString().Trim();
            if (token.Equals("websocket", StringComparison.OrdinalIgnoreCase))
            {
                upgrade = UpgradeRequest.WebSocket;
            }
            else if (!token.Equals("h2c", StringComparison.OrdinalIgnoreCase))
            {
                return new LocalRefusal(403, ResponseFlags.None, "upgrade_failed");
            }
        }

        return null;
    }

    private static readonly LocalRefusal InvalidCharacters = new(400, ResponseFlags.DownstreamProtocolError, "http1.invalid_characters");

    /// <summary>host, host:port, [v6] or [v6]:port, the port a number from 1 to 65535; an empty Host is left to routing.</summary>
    internal static bool ValidAuthority(string authority)
    {
        var portStart = -1;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':')
                {
                    return false;
                }

                portStart = close + 2;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon >= 0)
            {
                portStart = colon + 1;
            }
        }

        if (portStart < 0)
        {
            return true;
        }

        var port = authority.AsSpan(portStart);
        return port.Length is > 0 and <= 5 && !port.ContainsAnyExceptInRange('0', '9') &&
               int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 65535;
    }

    private static string Controls(bool allowTab)
    {
        var chars = new List<char>();
        for (var c = '\0'; c < ' '; c++)
        {
            if (!(allowTab && c == '\t'))
            {
                chars.Add(c);
            }
        }

        chars.Add('\u007f');
        return new string([.. chars]);
    }
}

/// <summary>A request the proxy answers itself without routing it: the status, Envoy's flags and its response code details.</summary>
internal readonly record struct LocalRefusal(int Status, string Flags, string Details);
