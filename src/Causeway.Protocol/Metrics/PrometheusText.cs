using System.Globalization;
using System.Text;

namespace Causeway.Protocol.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4), the one place both the proxy and the control plane
/// format metrics: a family's <c># HELP</c>/<c># TYPE</c> lines, then its samples, which must follow it contiguously.
/// </summary>
public sealed class PrometheusText
{
    private readonly StringBuilder sb = new();

    /// <summary>Starts a metric family; every sample of it must be written before the next family starts.</summary>
    public PrometheusText Family(string name, string type, string? help = null)
    {
        if (help is not null)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        }

        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample; <paramref name="labels"/> is the text between the braces (empty for none).</summary>
    public PrometheusText Sample(string name, string labels, long value) => Sample(name, labels, value.ToString(CultureInfo.InvariantCulture));

    public PrometheusText Sample(string name, string labels, double value) => Sample(name, labels, value.ToString(CultureInfo.InvariantCulture));

    public PrometheusText Sample(string name, string labels, string value)
    {
        sb.Append(name);
        if (labels.Length > 0)
        {
            sb.Append('{').Append(labels).Append('}');
        }

        sb.Append(' ').Append(value).Append('\n');
        return this;
    }

    public override string ToString() => sb.ToString();
}
