namespace Causeway.Proxy.Forwarding;

/// <summary>
/// x-request-id values: random version-4 UUIDs, as Envoy generates them. Drawn from the shared non-cryptographic
/// generator: Guid.NewGuid asks the kernel for secure random bytes on every call, which showed up as a measurable
/// share of the proxy's CPU, and a request id is a correlation key, not a secret.
/// </summary>
internal static class RequestIds
{
    public static string Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (Guid's byte order keeps the version in byte 7)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes).ToString();
    }
}
