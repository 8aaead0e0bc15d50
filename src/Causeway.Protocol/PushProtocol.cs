namespace Causeway.Protocol;

/// <summary>Agreements of the push stream that are not in push.proto: reasons both ends recognise.</summary>
public static class PushProtocol
{
    /// <summary>How a proxy NACKs an endpoints update it cannot place; the server answers with a whole snapshot.</summary>
    public const string EndpointsBaseMismatch = "endpoints update for base version";

    /// <summary>How the control plane's last word to a proxy it turns away begins (no token, a bad one, one for someone else).</summary>
    public const string Refused = "refused: ";
}
