using System.Security.Cryptography.X509Certificates;

namespace Causeway.Proxy.Security;

/// <summary>Whether a peer's certificate chains to given roots only (never the system's), with the intermediates it sent.</summary>
internal static class CertificateChains
{
    public static bool ChainsTo(X509Certificate presented, X509Chain? presentedChain, X509Certificate2Collection roots)
    {
        var leaf = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
