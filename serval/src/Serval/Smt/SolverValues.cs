using System.Globalization;
using System.Numerics;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>Reads constant values as solvers print them and builds models from them.</summary>
internal static class SolverValues
{
    /// <summary>A constant of <paramref name="sort"/> from <c>true</c>, <c>#x…</c>, <c>#b…</c> or <c>(_ bvN w)</c>.</summary>
    /// <exception cref="FormatException">The expression is not such a constant.</exception>
    public static Term Parse(SExpr value, Sort sort)
    {
        if (sort.IsBool)
        {
            return value.Is("true") ? Term.True : value.Is("false") ? Term.False
                : throw new FormatException($"expected a boolean, got {value}");
        }
        return Term.BvConst(ParseBits(value, sort.Width), sort.Width);
    }

    /// <summary>The unsigned value of a bitvector literal.</summary>
    public static BigInteger ParseBits(SExpr value, int width)
    {
        if (value.IsList && value.Count == 3 && value[0].Is("_") && value[1].Atom is { } bv && bv.StartsWith("bv", StringComparison.Ordinal)
            && BigInteger.TryParse(bv.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var decimalValue))
        {
            return decimalValue;
        }
        if (value.Atom is { } atom && !value.IsString)
        {
            if (atom.StartsWith("#x", StringComparison.Ordinal))
            {
                return BigInteger.Parse("0" + atom[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
            if (atom.StartsWith("#b", StringComparison.Ordinal))
            {
                return Binary(atom.AsSpan(2));
            }
        }
        throw new FormatException($"expected a {width}-bit literal, got {value}");
    }

    /// <summary>A binary digit string; <c>x</c> (don't care, as boolector prints) reads as 0.</summary>
    public static BigInteger Binary(ReadOnlySpan<char> digits)
    {
        var result = BigInteger.Zero;
        foreach (var digit in digits)
        {
            result <<= 1;
            switch (digit)
            {
                case '1':
                    result += 1;
                    break;
                case '0' or 'x':
                    break;
                default:
                    throw new FormatException($"'{digits}' is not a binary number");
            }
        }
        return result;
    }

    /// <summary>
    /// A model from variable values and a source of application values: applications are visited innermost first,
    /// so that each one's arguments evaluate to constants under what is known so far.
    /// </summary>
    public static Model Build(QueryPlan plan, Dictionary<Term, Term> variables, Func<Term, Term[], Term?> applicationValue)
    {
        var model = new Model(variables);
        foreach (var application in plan.Applications)
        {
            var args = new Term[application.Arity];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = model.Evaluate(application[i]);
            }
            var point = Term.Rebuild(application, args);
            if (applicationValue(application, args) is { } value)
            {
                model.SetApplication(point, value);
            }
        }
        return model;
    }
}
