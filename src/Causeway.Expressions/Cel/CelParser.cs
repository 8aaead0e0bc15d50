using System.Globalization;
using System.Text;

namespace Causeway.Expressions;

/// <summary>
/// Parses the part of CEL (the Common Expression Language, github.com/google/cel-spec) that Istio's Telemetry
/// filters and tag values are written in: literals (int, double, string, bool, null, lists), attributes and their
/// fields (<c>request.headers['x-user']</c>), <c>! -</c>, <c>* / % + -</c>, comparisons, <c>in</c>, <c>&amp;&amp;</c>,
/// <c>||</c>, <c>?:</c>, <c>has()</c>, <c>size()</c>, <c>string()</c>, <c>int()</c> and the string methods
/// <c>startsWith</c>, <c>endsWith</c>, <c>contains</c> and <c>matches</c>. A syntax error throws a
/// <see cref="FormatException"/> that says where.
/// </summary>
public sealed class CelParser
{
    private static readonly string[] Symbols = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]", ".", ",", "?", ":"];

    /// <summary>Bounds that keep a hostile or mistaken expression from exhausting the stack when parsed or evaluated.</summary>
    private const int MaxTokens = 1000;
    private const int MaxDepth = 64;

    private readonly List<(string Kind, string Text, object? Value, int At)> tokens;
    private int next;
    private int depth;

    private CelParser(string text) => tokens = Tokenize(text);

    public static CelNode Parse(string text)
    {
        var parser = new CelParser(text);
        var node = parser.Conditional();
        if (parser.Peek.Kind != "end")
        {
            throw new FormatException($"unexpected '{parser.Peek.Text}' at {parser.Peek.At + 1}");
        }

        return node;
    }

    /// <summary>The dotted attribute names an expression reads (request.path, request.headers, ...), for checking them against what a proxy has.</summary>
    public static IReadOnlyList<string> Attributes(CelNode node)
    {
        var names = new List<string>();
        Walk(node);
        return names;

        void Walk(CelNode n)
        {
            if (DottedName(n) is { } name)
            {
                names.Add(name);
                return;
            }

            switch (n)
            {
                case CelSelect s: Walk(s.Target); break;
                case CelIndex i: Walk(i.Target); Walk(i.Key); break;
                case CelHas h: Walk(h.Field.Target); break;
                case CelList l: l.Items.ToList().ForEach(Walk); break;
                case CelUnary u: Walk(u.Operand); break;
                case CelLogical g: Walk(g.Left); Walk(g.Right); break;
                case CelBinary b: Walk(b.Left); Walk(b.Right); break;
                case CelConditional c: Walk(c.Condition); Walk(c.Then); Walk(c.Else); break;
                case CelCall call:
                    if (call.Target is not null)
                    {
                        Walk(call.Target);
                    }

                    call.Arguments.ToList().ForEach(Walk);
                    break;
            }
        }
    }

    private static string? DottedName(CelNode node) => node switch
    {
        CelIdent i => i.Name,
        CelSelect s when DottedName(s.Target) is { } prefix => prefix + "." + s.Field,
        _ => null,
    };

    private (string Kind, string Text, object? Value, int At) Peek => tokens[next];

    private bool Accept(string symbol)
    {
        if (Peek.Kind == "symbol" && Peek.Text == symbol || Peek.Kind == "ident" && Peek.Text == symbol && symbol == "in")
        {
            next++;
            return true;
        }

        return false;
    }

    private void Expect(string symbol)
    {
        if (!Accept(symbol))
        {
            throw new FormatException($"expected '{symbol}' at {Peek.At + 1}, found {(Peek.Kind == "end" ? "the end" : $"'{Peek.Text}'")}");
        }
    }

    private CelNode Conditional()
    {
        Enter();
        var condition = Or();
        if (!Accept("?"))
        {
            depth--;
            return condition;
        }

        var then = Or();
        Expect(":");
        var result = new CelConditional(condition, then, Conditional());
        depth--;
        return result;
    }

    private void Enter()
    {
        if (++depth > MaxDepth)
        {
            throw new FormatException($"nested deeper than {MaxDepth} levels at {Peek.At + 1}");
        }
    }

    private CelNode Or()
    {
        var left = And();
        while (Accept("||"))
        {
            left = new CelLogical("||", left, And());
        }

        return left;
    }

    private CelNode And()
    {
        var left = Relation();
        while (Accept("&&"))
        {
            left = new CelLogical("&&", left, Relation());
        }

        return left;
    }

    private CelNode Relation()
    {
        var left = Sum();
        foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">", "in" })
        {
            if (Accept(op))
            {
                return new CelBinary(op, left, Sum());
            }
        }

        return left;
    }

    private CelNode Sum()
    {
        var left = Product();
        while (true)
        {
            if (Accept("+"))
            {
                left = new CelBinary("+", left, Product());
            }
            else if (Accept("-"))
            {
                left = new CelBinary("-", left, Product());
            }
            else
            {
                return left;
            }
        }
    }

    private CelNode Product()
    {
        var left = Unary();
        while (Peek is { Kind: "symbol", Text: "*" or "/" or "%" } op)
        {
            next++;
            left = new CelBinary(op.Text, left, Unary());
        }

        return left;
    }

    private CelNode Unary()
    {
        if (Peek is not { Kind: "symbol", Text: "!" or "-" })
        {
            return Member();
        }

        Enter();
        var op = tokens[next++].Text;
        var result = new CelUnary(op, Unary());
        depth--;
        return result;
    }

    private CelNode Member()
    {
        var node = Primary();
        while (true)
        {
            if (Accept("."))
            {
                var name = Identifier();
                node = Accept("(") ? CelCall.Of(node, name, Arguments()) : new CelSelect(node, name);
            }
            else if (Accept("["))
            {
                var key = Conditional();
                Expect("]");
                node = new CelIndex(node, key);
            }
            else
            {
                return node;
            }
        }
    }

    private CelNode Primary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case "literal":
                next++;
                return new CelLiteral(token.Value);
            case "ident":
                next++;
                switch (token.Text)
                {
                    case "true": return new CelLiteral(true);
                    case "false": return new CelLiteral(false);
                    case "null": return new CelLiteral(null);
                }

                if (!Accept("("))
                {
                    return new CelIdent(token.Text);
                }

                var args = Arguments();
                if (token.Text == "has")
                {
                    return args is [CelSelect field] ? new CelHas(field) : throw new FormatException($"has() takes one field selection (has(a.b)), at {token.At + 1}");
                }

                return CelCall.Of(null, token.Text, args);
            case "symbol" when token.Text == "(":
                next++;
                var inner = Conditional();
                Expect(")");
                return inner;
            case "symbol" when token.Text == "[":
                next++;
                var items = new List<CelNode>();
                if (!Accept("]"))
                {
                    do
                    {
                        items.Add(Conditional());
                    }
                    while (Accept(","));
                    Expect("]");
                }

                return new CelList(items);
            default:
                throw new FormatException(token.Kind == "end" ? "the expression ends too early" : $"unexpected '{token.Text}' at {token.At + 1}");
        }
    }

    private List<CelNode> Arguments()
    {
        var args = new List<CelNode>();
        if (Accept(")"))
        {
            return args;
        }

        do
        {
            args.Add(Conditional());
        }
        while (Accept(","));
        Expect(")");
        return args;
    }

    private string Identifier()
    {
        if (Peek.Kind != "ident")
        {
            throw new FormatException($"expected a name at {Peek.At + 1}");
        }

        return tokens[next++].Text;
    }

    private static List<(string Kind, string Text, object? Value, int At)> Tokenize(string text)
    {
        var tokens = new List<(string, string, object?, int)>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(("ident", text[start..i], null, start));
            }
            else if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '.' or 'e' or 'E' || (text[i] is '+' or '-' && text[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                var number = text[start..i];
                if (i < text.Length && text[i] is 'u' or 'U')
                {
                    i++; // unsigned: an int here
                }

                object value = number.Contains('.', StringComparison.Ordinal) || number.Contains('e', StringComparison.OrdinalIgnoreCase)
                    ? (object)double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (object)n : throw new FormatException($"number {number} out of range at {start + 1}");
                tokens.Add(("literal", number, value, start));
            }
            else if (c is '\'' or '"')
            {
                var start = i++;
                var sb = new StringBuilder();
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new FormatException($"unterminated string starting at {start + 1}");
                    }

                    if (text[i] == c)
                    {
                        i++;
                        break;
                    }

                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        sb.Append(text[i + 1] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
                        i += 2;
                        continue;
                    }

                    sb.Append(text[i++]);
                }

                tokens.Add(("literal", text[start..i], sb.ToString(), start));
            }
            else if (Symbols.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0) is { } symbol)
            {
                tokens.Add(("symbol", symbol, null, i));
                i += symbol.Length;
            }
            else
            {
                throw new FormatException($"unexpected character '{c}' at {i + 1}");
            }
        }

        if (tokens.Count > MaxTokens)
        {
            throw new FormatException($"longer than {MaxTokens} tokens");
        }

        tokens.Add(("end", "", null, text.Length));
        return tokens;
    }
}
