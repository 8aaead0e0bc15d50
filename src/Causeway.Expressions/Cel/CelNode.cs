using System.Globalization;

namespace Causeway.Expressions;

/// <summary>
/// A parsed CEL expression (the subset Istio's Telemetry filters use, see <see cref="CelParser"/>), evaluated against
/// the attributes of one request. Values are long, double, string, bool, null, lists, <see cref="CelMap"/> and
/// <see cref="CelError"/>; an error spreads as CEL's does, except that <c>&amp;&amp;</c> and <c>||</c> absorb it when
/// the other side decides.
/// </summary>
public abstract record CelNode
{
    public abstract object? Evaluate(ICelActivation activation);

    /// <summary>The result as a filter reads it: true only for the boolean true (an error or a non-boolean is false, as Envoy's CEL filters treat them).</summary>
    public bool Matches(ICelActivation activation) => Evaluate(activation) is true;
}

internal sealed record CelLiteral(object? Value) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => Value;
}

internal sealed record CelIdent(string Name) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => activation.TryResolve(Name, out var value) ? value : new CelNamespace(Name);
}

internal sealed record CelSelect(CelNode Target, string Field) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => Select(Target.Evaluate(activation), Field, activation);

    public static object? Select(object? target, string field, ICelActivation activation) => target switch
    {
        CelError e => e,
        CelNamespace ns => activation.TryResolve(ns.Name + "." + field, out var value) ? value : new CelNamespace(ns.Name + "." + field),
        CelMap map => map.TryGet(field, out var value) ? value : new CelError($"no such key: {field}"),
        _ => new CelError($"no field {field} on {CelOps.TypeName(target)}"),
    };
}

internal sealed record CelIndex(CelNode Target, CelNode Key) : CelNode
{
    public override object? Evaluate(ICelActivation activation)
    {
        var target = CelOps.Settle(Target.Evaluate(activation));
        var key = CelOps.Settle(Key.Evaluate(activation));
        return (target, key) switch
        {
            (CelError e, _) => e,
            (_, CelError e) => e,
            (CelMap map, string k) => map.TryGet(k, out var value) ? value : new CelError($"no such key: {k}"),
            (IReadOnlyList<object?> list, long i) => i >= 0 && i < list.Count ? list[(int)i] : new CelError($"index {i} out of range"),
            _ => new CelError($"cannot index {CelOps.TypeName(target)} with {CelOps.TypeName(key)}"),
        };
    }
}

/// <summary><c>has(a.b)</c>: whether the field or key exists, without failing when it does not.</summary>
internal sealed record CelHas(CelSelect Field) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => CelOps.Settle(Field.Target.Evaluate(activation)) switch
    {
        CelError e => e,
        CelMap map => map.TryGet(Field.Field, out _),
        CelNamespace ns => activation.TryResolve(ns.Name + "." + Field.Field, out _),
        var other => new CelError($"has() on {CelOps.TypeName(other)}"),
    };
}

internal sealed record CelList(IReadOnlyList<CelNode> Items) : CelNode
{
    public override object? Evaluate(ICelActivation activation)
    {
        var values = new object?[Items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = CelOps.Settle(Items[i].Evaluate(activation));
            if (values[i] is CelError e)
            {
                return e;
            }
        }

        return values;
    }
}

internal sealed record CelUnary(string Op, CelNode Operand) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => (Op, CelOps.Settle(Operand.Evaluate(activation))) switch
    {
        (_, CelError e) => e,
        ("!", bool b) => !b,
        ("-", long l) => -l,
        ("-", double d) => -d,
        var (op, v) => new CelError($"no operator {op} for {CelOps.TypeName(v)}"),
    };
}

internal sealed record CelLogical(string Op, CelNode Left, CelNode Right) : CelNode
{
    public override object? Evaluate(ICelActivation activation)
    {
        // CEL's commutative && and ||: a decisive side wins even when the other is an error.
        var decisive = Op == "||";
        var left = CelOps.Settle(Left.Evaluate(activation));
        if (left is bool l && l == decisive)
        {
            return decisive;
        }

        var right = CelOps.Settle(Right.Evaluate(activation));
        if (right is bool r && r == decisive)
        {
            return decisive;
        }

        return (left, right) switch
        {
            (bool, bool) => !decisive,
            (CelError e, _) => e,
            (_, CelError e) => e,
            _ => new CelError($"{Op} needs booleans"),
        };
    }
}

internal sealed record CelConditional(CelNode Condition, CelNode Then, CelNode Else) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => CelOps.Settle(Condition.Evaluate(activation)) switch
    {
        true => Then.Evaluate(activation),
        false => Else.Evaluate(activation),
        CelError e => e,
        var other => new CelError($"condition is {CelOps.TypeName(other)}, not bool"),
    };
}

internal sealed record CelBinary(string Op, CelNode Left, CelNode Right) : CelNode
{
    public override object? Evaluate(ICelActivation activation)
    {
        var left = CelOps.Settle(Left.Evaluate(activation));
        var right = CelOps.Settle(Right.Evaluate(activation));
        if (left is CelError le)
        {
            return le;
        }

        if (right is CelError re)
        {
            return re;
        }

        return Op switch
        {
            "==" => CelOps.Equal(left, right),
            "!=" => CelOps.Equal(left, right) is bool b ? !b : CelOps.Equal(left, right),
            "<" or "<=" or ">" or ">=" => CelOps.Compare(left, right) is int c
                ? Op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 }
                : new CelError($"cannot compare {CelOps.TypeName(left)} with {CelOps.TypeName(right)}"),
            "in" => right switch
            {
                IReadOnlyList<object?> list => list.Any(item => CelOps.Equal(left, item) is true),
                CelMap map when left is string key => map.TryGet(key, out _),
                _ => new CelError($"cannot look in {CelOps.TypeName(right)}"),
            },
            _ => CelOps.Arithmetic(Op, left, right),
        };
    }
}

/// <summary>
/// <c>s.matches('re')</c> with a literal pattern: compiled once when the expression is parsed (RE2 syntax on .NET's
/// non-backtracking engine, unanchored as CEL's <c>matches</c>), so a filter never builds a regex per request.
/// </summary>
internal sealed record CelMatches(CelNode Target, System.Text.RegularExpressions.Regex Pattern) : CelNode
{
    public override object? Evaluate(ICelActivation activation) => CelOps.Settle(Target.Evaluate(activation)) switch
    {
        CelError e => e,
        string s => Pattern.IsMatch(s),
        var other => new CelError($"no function matches for {CelOps.TypeName(other)}"),
    };
}

internal sealed record CelCall(CelNode? Target, string Function, IReadOnlyList<CelNode> Arguments) : CelNode
{
    /// <summary>A call, or its compiled form where one exists (a <c>matches</c> with a literal pattern).</summary>
    public static CelNode Of(CelNode? target, string function, IReadOnlyList<CelNode> arguments) =>
        function == "matches" && target is not null && arguments is [CelLiteral { Value: string pattern }]
            ? new CelMatches(target, CelOps.Re2Regex(pattern) ?? throw new FormatException($"matches: invalid RE2 pattern \"{pattern}\": {Re2Syntax.Validate(pattern)}"))
            : new CelCall(target, function, arguments);

    public override object? Evaluate(ICelActivation activation)
    {
        var target = Target is null ? null : CelOps.Settle(Target.Evaluate(activation));
        if (target is CelError te)
        {
            return te;
        }

        var args = new object?[Arguments.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = CelOps.Settle(Arguments[i].Evaluate(activation));
            if (args[i] is CelError e)
            {
                return e;
            }
        }

        return (Function, target, args) switch
        {
            ("startsWith", string s, [string p]) => s.StartsWith(p, StringComparison.Ordinal),
            ("endsWith", string s, [string p]) => s.EndsWith(p, StringComparison.Ordinal),
            ("contains", string s, [string p]) => s.Contains(p, StringComparison.Ordinal),
            ("matches", string s, [string re]) => CelOps.Matches(s, re),
            ("size", null, [string s]) => (long)s.Length,
            ("size", string s, []) => (long)s.Length,
            ("size", null, [IReadOnlyList<object?> l]) => (long)l.Count,
            ("string", null, [var v]) => CelOps.ToText(v),
            ("int", null, [long l]) => l,
            ("int", null, [double d]) => (long)d,
            ("duration", null, [string s]) => CelOps.Duration(s),
            ("int", null, [string s]) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : new CelError($"int(\"{s}\")"),
            _ => new CelError($"no function {Function} for these arguments"),
        };
    }
}
