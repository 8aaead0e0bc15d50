namespace Causeway.Proxy.Forwarding;

/// <summary>
/// x-request-id values: random version-4 UUIDs, as Envoy generates them, in their usual text form
/// (8-4-4-4-12 lower-case hex). Drawn from the shared non-cryptographic generator: Guid.NewGuid asks the kernel for
/// secure random bytes on every call, which showed up as a measurable share of the proxy's CPU, and a request id is a
/// correlation key, not a secret. Formatted here from two random longs: Guid's own formatting took about 1,800
/// instructions per request (callgrind), this about a tenth of that.
/// </summary>
internal static class RequestIds
{
    public static string Next()
    {
        var hi = (ulong)Random.Shared.NextInt64();
        var lo = (ulong)Random.Shared.NextInt64();
        hi = (hi & 0xFFFFFFFF_FFFF0FFFUL) | 0x4000UL; // version 4 in the third group's first digit
        lo = (lo & 0x3FFFFFFF_FFFFFFFFUL) | 0x80000000_00000000UL; // RFC 4122 variant in the fourth group's first digit
        return string.Create(36, (hi, lo), static (text, bits) =>
        {
            var (h, l) = bits;
            var at = 0;
            for (var i = 0; i < 16; i++)
            {
                if (i is 4 or 6 or 8 or 10)
                {
                    text[at++] = '-';
                }

                var b = (byte)(i < 8 ? h >> (56 - (8 * i)) : l >> (56 - (8 * (i - 8))));
                text[at++] = Hex[b >> 4];
                text[at++] = Hex[b & 0xF];
            }
        });
    }

    private const string Hex = "0123456789abcdef";
}
