using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0128 / IST0129: a DestinationRule originates TLS (SIMPLE or MUTUAL) without caCertificates, so the server's
/// identity is not verified. A credentialName counts as carrying the CA only with a workloadSelector (credentials are
/// read only for selected workloads). Mirrors Istio's destinationrule.CaCertificateAnalyzer.
/// </summary>
internal sealed class DestinationRuleCaCertificateAnalyzer : IAnalyzer
{
    public string Name => "destinationrule.CaCertificateAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } =
        [MessageTypes.NoServerCertificateVerificationDestinationLevel, MessageTypes.NoServerCertificateVerificationPortLevel];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var (source, dr) in ctx.OfKind<DestinationRule>())
        {
            var selected = dr.Spec.WorkloadSelector?.MatchLabels is { Count: > 0 };
            var tp = dr.Spec.TrafficPolicy;
            var path = ValidationPaths.Spec.Field("trafficPolicy");
            if (Unverified(tp?.Tls, selected))
            {
                ctx.Report(MessageTypes.NoServerCertificateVerificationDestinationLevel, source,
                    $"DestinationRule {ctx.NamespaceOf(source)}/{dr.Name} in namespace {ctx.NamespaceOf(source)} has TLS mode set to {Mode(tp!.Tls!)} but no caCertificates are set to validate server identity for host: {dr.Spec.Host}",
                    path.Field("tls"), "set caCertificates (or credentialName with a workloadSelector), or accept an unverified server explicitly with insecureSkipVerify");
            }

            var ports = tp?.PortLevelSettings ?? [];
            for (var i = 0; i < ports.Count; i++)
            {
                if (Unverified(ports[i].Tls, selected))
                {
                    ctx.Report(MessageTypes.NoServerCertificateVerificationPortLevel, source,
                        $"DestinationRule {ctx.NamespaceOf(source)}/{dr.Name} in namespace {ctx.NamespaceOf(source)} has TLS mode set to {Mode(ports[i].Tls!)} but no caCertificates are set to validate server identity for host: {dr.Spec.Host} at port number: {ports[i].Port?.Number}",
                        path.Field("portLevelSettings").At(i).Field("tls"), "set caCertificates for this port");
                }
            }
        }
    }

    private static bool Unverified(ClientTlsSettings? tls, bool selected) =>
        tls is { Mode: ClientTlsMode.Simple or ClientTlsMode.Mutual } &&
        string.IsNullOrEmpty(tls.CaCertificates) &&
        !(selected && !string.IsNullOrEmpty(tls.CredentialName)) &&
        tls.InsecureSkipVerify != true;

    private static string Mode(ClientTlsSettings tls) => tls.Mode == ClientTlsMode.Mutual ? "MUTUAL" : "SIMPLE";
}
