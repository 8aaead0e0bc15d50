using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Causeway.Proxy.Security;

/// <summary>
/// The DNS names and URIs in a certificate's subject alternative names (RFC 5280 GeneralName [2] dNSName and
/// [6] uniformResourceIdentifier). .NET enumerates DNS names and IP addresses only; a SPIFFE identity is a URI.
/// </summary>
public static class SubjectAltNames
{
    private const string Oid = "2.5.29.17";

    public static List<string> Read(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != Oid)
            {
                continue;
            }

            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
                while (reader.HasData)
                {
                    var tag = reader.PeekTag();
                    if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue is 2 or 6)
                    {
                        names.Add(reader.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                    }
                    else
                    {
                        reader.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                // A malformed extension names nothing; the certificate is judged without it.
            }
        }

        return names;
    }
}
