using System.Threading.Channels;
using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Push;

/// <summary>
/// One connected proxy: who it said it is, what was last sent to it and what it answered. Messages to it go through
/// a queue drained by the stream's writer, so a slow proxy never blocks the others; order is kept, since an
/// endpoints update applies on top of the snapshot sent before it.
/// </summary>
public sealed class ProxyStream(Hello hello, string peer)
{
    private readonly Channel<ControlMessage> outgoing = Channel.CreateUnbounded<ControlMessage>(new UnboundedChannelOptions { SingleReader = true });

    public Hello Hello { get; } = hello;

    public string Peer { get; } = peer;

    /// <summary>Who its token says it is; null when it connected without one (it then gets no Secrets).</summary>
    public PushCredential? Credential { get; init; }

    /// <summary>"role name.namespace" for status and logs.</summary>
    public string Id => $"{(Hello.Role == ProxyRole.Gateway ? "gateway" : "sidecar")} {Hello.Name}.{Hello.Namespace}";

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    public string SentVersion { get; private set; } = "";

    public string SentStructure { get; private set; } = "";

    public string AckedVersion { get; set; } = "";

    public DateTimeOffset? AckedAt { get; set; }

    public string LastNack { get; set; } = "";

    public string Error { get; set; } = "";

    internal ChannelReader<ControlMessage> Outgoing => outgoing.Reader;

    /// <summary>Queues a message and remembers it as what the proxy will run next.</summary>
    internal void Send(ControlMessage message, string version, string structure)
    {
        SentVersion = version;
        SentStructure = structure;
        outgoing.Writer.TryWrite(message);
    }

    /// <summary>Records what the proxy already runs (it said so in its Hello) without sending it again.</summary>
    internal void MarkSent(string version, string structure)
    {
        SentVersion = version;
        SentStructure = structure;
    }

    /// <summary>Queues a message that changes nothing the proxy runs (a certificate), in order with the rest.</summary>
    internal void SendDirect(ControlMessage message) => outgoing.Writer.TryWrite(message);

    internal void Complete() => outgoing.Writer.TryComplete();

    /// <summary>Ends the stream at once (the control plane is stopping).</summary>
    internal Action Abort { get; set; } = () => { };
}
