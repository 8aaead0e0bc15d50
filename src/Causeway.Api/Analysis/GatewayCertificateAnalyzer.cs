using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0138: a Gateway uses the same certificate (credentialName or certificate file) as another Gateway that serves
/// all of its workloads. Browsers reuse HTTP/2 connections across hosts on one certificate and then get 404s.
/// Reported on the gateway whose selector is contained in the other's. Mirrors Istio's gateway.CertificateAnalyzer.
/// </summary>
internal sealed class GatewayCertificateAnalyzer : IAnalyzer
{
    public string Name => "gateway.CertificateAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.GatewayDuplicateCertificate];

    public void Analyze(AnalysisContext ctx)
    {
        var gateways = ctx.OfKind<Gateway>().ToList();
        foreach (var (source, gw) in gateways)
        {
            var duplicates = new List<string>();
            foreach (var (otherSource, other) in gateways)
            {
                if (ReferenceEquals(source, otherSource) || !Selectors.IsSubset(gw.Spec.Selector, other.Spec.Selector))
                {
                    continue;
                }

                if (Certificates(gw).Intersect(Certificates(other)).Any())
                {
                    duplicates.Add($"{ctx.NamespaceOf(otherSource)}/{other.Name}");
                }
            }

            if (duplicates.Count > 0)
            {
                ctx.Report(MessageTypes.GatewayDuplicateCertificate, source,
                    $"Duplicate certificate in gateways {ctx.NamespaceOf(source)}/{gw.Name}, {string.Join(", ", duplicates)} may cause 404s if both are used with HTTP/2 (browsers reuse the connection)",
                    ValidationPaths.Spec.Field("servers"), "use one Gateway with several hosts, or separate certificates");
            }
        }
    }

    private static IEnumerable<string> Certificates(Gateway gw)
    {
        foreach (var s in gw.Spec.Servers ?? [])
        {
            if (s.Tls is not { } tls)
            {
                continue;
            }

            if (tls.CredentialName is { Length: > 0 } cn)
            {
                yield return "credential:" + cn;
            }

            foreach (var c in tls.CredentialNames ?? [])
            {
                yield return "credential:" + c;
            }

            if (tls.ServerCertificate is { Length: > 0 } file)
            {
                yield return "file:" + file;
            }
        }
    }
}
