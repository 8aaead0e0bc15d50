using System.Globalization;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// Reads Prometheus' text exposition format (0.0.4), as the proxies' /stats/prometheus writes it: one sample per
/// line, <c>name{label="value",...} number</c>, comments and blank lines skipped, label values with the format's
/// three escapes (\\, \", \n). A malformed line is skipped, never thrown on: the dashboard shows what it can read.
/// Hand-written because prometheus-net writes this format but does not read it, and this is all the reading needed.
/// </summary>
public static class PrometheusText
{
    public readonly record struct Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The samples whose metric name <paramref name="wanted"/> accepts (the others are not parsed further).</summary>
    public static IEnumerable<Sample> Read(string text, Func<string, bool> wanted)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0 || !wanted(line[..nameEnd]))
            {
                continue;
            }

            if (TryParse(line, nameEnd, out var sample))
            {
                yield return sample;
            }
        }
    }

    private static bool TryParse(string line, int nameEnd, out Sample sample)
    {
        sample = default;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = nameEnd;
        if (line[i] == '{')
        {
            i++;
            while (i < line.Length && line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"')
                {
                    return false;
                }

                var key = line[i..eq].Trim();
                var value = new System.Text.StringBuilder();
                var j = eq + 2;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\' && j + 1 < line.Length)
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                if (j >= line.Length)
                {
                    return false; // unterminated value
                }

                labels[key] = value.ToString();
                i = j + 1;
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }

            if (i >= line.Length)
            {
                return false;
            }

            i++; // '}'
        }

        var rest = line[i..].Trim();
        var space = rest.IndexOf(' ');
        var number = space < 0 ? rest : rest[..space]; // a timestamp may follow
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !TryParseSpecial(number, out v))
        {
            return false;
        }

        sample = new Sample(line[..nameEnd], labels, v);
        return true;
    }

    private static bool TryParseSpecial(string s, out double v)
    {
        v = s switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.NaN };
        return s is "+Inf" or "-Inf" or "NaN";
    }
}
