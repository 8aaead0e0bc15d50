using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0101 when a Gateway's credentialName names a Secret missing from its workload's namespace (or its selector
/// matches no workload); IST0161 when that Secret lacks its keys, does not hold a parseable certificate and key, or
/// the certificate has expired. Mirrors Istio's gateway.SecretAnalyzer. When no pod matches the conventional
/// <c>istio: ingressgateway</c>/<c>egressgateway</c> selector, the workload is assumed to be Istio's default one in
/// the root namespace, so configs can be checked without a cluster.
/// </summary>
internal sealed class GatewaySecretAnalyzer : IAnalyzer
{
    public string Name => "gateway.SecretAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ReferencedResourceNotFound, MessageTypes.InvalidGatewayCredential];

    public void Analyze(AnalysisContext ctx)
    {
        var secrets = ctx.OfKind<Secret>().ToDictionary(s => (ctx.NamespaceOf(s.Source), s.Resource.Name), s => s.Resource);
        foreach (var (source, gw) in ctx.OfKind<Gateway>())
        {
            var servers = gw.Spec.Servers ?? [];
            string? workloadNs = null;
            for (var i = 0; i < servers.Count; i++)
            {
                var credential = servers[i].Tls?.CredentialName;
                if (string.IsNullOrEmpty(credential))
                {
                    continue;
                }

                workloadNs ??= WorkloadNamespace(ctx, gw);
                var path = ValidationPaths.Spec.Field("servers").At(i).Field("tls").Field("credentialName");
                if (workloadNs is null)
                {
                    ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced selector not found: \"{Selectors.Format(gw.Spec.Selector)}\"",
                        ValidationPaths.Spec.Field("selector"), "the credential is read in the gateway workload's namespace, and no workload matches this selector");
                    break;
                }

                var (credNs, credName) = credential.Contains('/', StringComparison.Ordinal)
                    ? (credential[..credential.IndexOf('/', StringComparison.Ordinal)], credential[(credential.IndexOf('/', StringComparison.Ordinal) + 1)..])
                    : (workloadNs, credential);
                if (!secrets.TryGetValue((credNs, credName), out var secret))
                {
                    ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced credentialName not found: \"{credential}\"", path,
                        $"create the Secret {credName} in namespace {credNs}, where the gateway workload runs");
                    continue;
                }

                if (Problem(secret, ctx.Options.Clock.GetUtcNow()) is { } problem)
                {
                    ctx.Report(MessageTypes.InvalidGatewayCredential, source, $"The credential \"{credential}\" referenced by the Gateway is invalid: {problem}", path,
                        "store a PEM certificate and key under tls.crt/tls.key (or cert/key)");
                }
            }
        }
    }

    private static string? WorkloadNamespace(AnalysisContext ctx, Gateway gw)
    {
        var namespaces = Selectors.Workloads(ctx, gw.Spec.Selector).Select(p => p.Namespace).Distinct().ToList();
        if (namespaces.Count > 0)
        {
            return namespaces[0];
        }

        return IstioDefaultGateway.For(gw.Spec.Selector) is null ? null : ctx.Options.RootNamespace;
    }

    /// <summary>Why the secret cannot serve as a TLS credential, or null when it can.</summary>
    internal static string? Problem(Secret secret, DateTimeOffset now)
    {
        var data = secret.Data ?? [];
        var (certKey, keyKey) = data.ContainsKey("tls.crt") || data.ContainsKey("tls.key") ? ("tls.crt", "tls.key") : ("cert", "key");
        if (!data.TryGetValue(certKey, out var certB64) || !data.TryGetValue(keyKey, out var keyB64))
        {
            return $"missing keys: needs {certKey} and {keyKey} (found {string.Join(", ", data.Keys)})";
        }

        string certPem, keyPem;
        try
        {
            certPem = Encoding.UTF8.GetString(Convert.FromBase64String(certB64));
            keyPem = Encoding.UTF8.GetString(Convert.FromBase64String(keyB64));
        }
        catch (FormatException)
        {
            return "data values are not base64";
        }

        try
        {
            using var cert = X509Certificate2.CreateFromPem(certPem, keyPem);
            if (cert.NotAfter.ToUniversalTime() < now.UtcDateTime)
            {
                return $"certificate expired on {cert.NotAfter.ToUniversalTime():yyyy-MM-dd}";
            }

            if (cert.NotBefore.ToUniversalTime() > now.UtcDateTime)
            {
                return $"certificate is not valid before {cert.NotBefore.ToUniversalTime():yyyy-MM-dd}";
            }
        }
        catch (CryptographicException ex)
        {
            return $"{certKey}/{keyKey} do not hold a valid PEM certificate and matching private key ({ex.Message.TrimEnd('.')})";
        }
        catch (ArgumentException ex)
        {
            return $"{certKey}/{keyKey} do not hold a valid PEM certificate and matching private key ({ex.Message.TrimEnd('.')})";
        }

        return null;
    }
}
