using Causeway.Proxy.Routing;
using CsCheck;

namespace Causeway.Proxy.Tests.Routing;

/// <summary>
/// Istio's pathNormalization as Envoy's normalize_path applies it (RFC 3986: section 2.3 unreserved characters,
/// section 5.2.4 remove_dot_segments), checked on examples and as properties over generated paths.
/// </summary>
public sealed class PathNormalizerTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a/b/c", "/a/b/c")]
    [InlineData("/a/b/../c", "/a/c")] // RFC 3986 section 5.4.1's examples, on a path
    [InlineData("/a/b/./c", "/a/b/c")]
    [InlineData("/a/b/c/..", "/a/b/")]
    [InlineData("/a/b/c/.", "/a/b/c/")]
    [InlineData("/..", "/")]
    [InlineData("/../a", "/a")]
    [InlineData("/a/..b/c", "/a/..b/c")] // not a dot segment
    [InlineData("/%41%62%63", "/Abc")]
    [InlineData("/%2e%2e/x", "/x")]
    [InlineData("/a%2fb", "/a%2Fb")]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/a%zzb", "/a%zzb")] // not an escape: left alone
    [InlineData("/a%", "/a%")]
    public void Base_normalizes_as_rfc_3986(string path, string normalized) =>
        Assert.Equal(normalized, PathNormalizer.Normalize(path, PathNormalization.Base));

    [Fact]
    public void A_path_already_normal_is_returned_as_the_same_instance()
    {
        var path = "/reviews/1/ratings";
        Assert.Same(path, PathNormalizer.Normalize(path, PathNormalization.Base));
        Assert.Same(path, PathNormalizer.Normalize(path, PathNormalization.MergeSlashes));
    }

    private static readonly Gen<string> Paths =
        Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("."), Gen.Const(".."), Gen.Const(""), Gen.Const("%2e"), Gen.Const("%2E%2e"),
                Gen.Const("%41"), Gen.Const("%2f"), Gen.Const("%5c"), Gen.Const("x%20y"), Gen.Const("~"), Gen.Const("%"))
            .Array[0, 8]
            .Select(segments => "/" + string.Join('/', segments));

    [Fact]
    public void Normalizing_twice_changes_nothing_more() =>
        Paths.Sample(path =>
        {
            foreach (var mode in Enum.GetValues<PathNormalization>())
            {
                var once = PathNormalizer.Normalize(path, mode);
                Assert.Equal(once, PathNormalizer.Normalize(once, mode));
            }
        }, iter: 5000);

    [Fact]
    public void A_normalized_path_starts_at_the_root_and_has_no_dot_segments_left() =>
        Paths.Sample(path =>
        {
            foreach (var mode in new[] { PathNormalization.Base, PathNormalization.MergeSlashes, PathNormalization.DecodeAndMergeSlashes })
            {
                var normalized = PathNormalizer.Normalize(path, mode);
                Assert.StartsWith("/", normalized, StringComparison.Ordinal);
                Assert.DoesNotContain(normalized.Split('/'), s => s is "." or ".." || s.Equals("%2e", StringComparison.OrdinalIgnoreCase));
                if (mode != PathNormalization.Base)
                {
                    Assert.DoesNotContain("//", normalized, StringComparison.Ordinal);
                }
            }
        }, iter: 5000);
}
