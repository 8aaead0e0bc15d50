using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Tests.ControlPlane;

/// <summary>The push tokens on their own: what a good one carries and the reason each bad one is refused.</summary>
public sealed class PushTokenAuthorityTests
{
    private readonly PushTokenAuthority authority = PushTokenAuthority.Ephemeral();

    [Fact]
    public async Task A_token_names_the_role_namespace_and_workload_it_was_made_for()
    {
        var (credential, error) = await authority.ValidateAsync(authority.Mint(new PushCredential(ProxyRole.Sidecar, "bookinfo", "reviews-v1"), TimeSpan.FromHours(1)));
        Assert.Null(error);
        Assert.Equal(new PushCredential(ProxyRole.Sidecar, "bookinfo", "reviews-v1"), credential);
        (credential, _) = await authority.ValidateAsync(authority.Mint(new PushCredential(ProxyRole.Gateway, "istio-system", null), TimeSpan.FromHours(1)));
        Assert.Equal(new PushCredential(ProxyRole.Gateway, "istio-system", null), credential);
    }

    [Fact]
    public async Task Bad_tokens_are_refused_with_a_plain_reason()
    {
        var who = new PushCredential(ProxyRole.Gateway, "istio-system", null);
        Assert.Equal("the token was not signed with this control plane's key", (await authority.ValidateAsync(PushTokenAuthority.Ephemeral().Mint(who, TimeSpan.FromHours(1)))).Error);
        Assert.StartsWith("the token expired at", (await authority.ValidateAsync(authority.Mint(who, TimeSpan.FromHours(1), DateTime.UtcNow.AddHours(-2)))).Error, StringComparison.Ordinal);
        Assert.Equal("the token is malformed", (await authority.ValidateAsync("not.a.jwt")).Error);
        Assert.Contains("at most 4096 are read", (await authority.ValidateAsync(new string('a', 1_000_000))).Error, StringComparison.Ordinal);
        // alg "none": an unsigned token with the right claims is still refused.
        var good = authority.Mint(who, TimeSpan.FromHours(1)).Split('.');
        var unsigned = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + good[1] + ".";
        Assert.NotNull((await authority.ValidateAsync(unsigned)).Error);
        Assert.Null((await authority.ValidateAsync(unsigned)).Credential);
    }

    private static string Base64Url(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
