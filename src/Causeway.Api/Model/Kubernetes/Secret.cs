using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Secret: read for gateway <c>credentialName</c> (tls.crt/tls.key/ca.crt or cert/key/cacert).</summary>
public sealed class Secret : Resource
{
    public string? Type { get; set; }

    /// <summary>Base64 values, kept as written.</summary>
    public Dictionary<string, string>? Data { get; set; }

    public Dictionary<string, string>? StringData { get; set; }
}
