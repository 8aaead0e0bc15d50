using System.Text;

namespace Causeway.Proxy.Balancing;

/// <summary>A stable 64-bit hash (FNV-1a then a SplitMix finalizer) for hash keys and ring points.</summary>
public static class HashKey
{
    public static ulong Of(string value)
    {
        ulong h = 14695981039346656037;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = value.Length <= 64 ? buffer[..Encoding.UTF8.GetBytes(value, buffer)] : Encoding.UTF8.GetBytes(value);
        foreach (var b in bytes)
        {
            h = (h ^ b) * 1099511628211;
        }

        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9;
        h ^= h >> 27;
        h *= 0x94d049bb133111eb;
        return h ^ (h >> 31);
    }
}
