using System.Numerics;
using System.Text;

namespace Serval.Symbolic;

/// <summary>Prints terms in SMT-LIB2 syntax for people: no sharing, constants in hex when the width allows.</summary>
public static class TermPrinter
{
    /// <summary>The term as text, cut after about <paramref name="maxLength"/> characters with an ellipsis.</summary>
    public static string Print(Term term, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(term);
        var builder = new StringBuilder();
        Write(builder, term, maxLength);
        if (builder.Length > maxLength)
        {
            builder.Length = maxLength;
            builder.Append('…');
        }
        return builder.ToString();
    }

    /// <summary>A constant in SMT-LIB2 syntax: <c>true</c>, <c>#x2a</c>, <c>#b101</c>.</summary>
    public static string Constant(BigInteger value, Sort sort)
    {
        ArgumentNullException.ThrowIfNull(sort);
        if (sort.IsBool)
        {
            return value.IsZero ? "false" : "true";
        }
        var width = sort.Width;
        var builder = new StringBuilder(width + 2);
        if (width % 4 == 0)
        {
            builder.Append("#x");
            for (var i = width / 4 - 1; i >= 0; i--)
            {
                builder.Append("0123456789abcdef"[(int)((value >> (4 * i)) & 15)]);
            }
        }
        else
        {
            builder.Append("#b");
            for (var i = width - 1; i >= 0; i--)
            {
                builder.Append((value >> i).IsEven ? '0' : '1');
            }
        }
        return builder.ToString();
    }

    /// <summary>The SMT-LIB2 name of an operator (indexed operators without their indices).</summary>
    public static string OperatorName(Op op) => op switch
    {
        Op.Not => "not",
        Op.And => "and",
        Op.Or => "or",
        Op.Xor => "xor",
        Op.Eq => "=",
        Op.Ite => "ite",
        Op.BvNot => "bvnot",
        Op.BvNeg => "bvneg",
        Op.BvAdd => "bvadd",
        Op.BvSub => "bvsub",
        Op.BvMul => "bvmul",
        Op.BvUDiv => "bvudiv",
        Op.BvSDiv => "bvsdiv",
        Op.BvURem => "bvurem",
        Op.BvSRem => "bvsrem",
        Op.BvSMod => "bvsmod",
        Op.BvAnd => "bvand",
        Op.BvOr => "bvor",
        Op.BvXor => "bvxor",
        Op.BvShl => "bvshl",
        Op.BvLShr => "bvlshr",
        Op.BvAShr => "bvashr",
        Op.BvUlt => "bvult",
        Op.BvUle => "bvule",
        Op.BvSlt => "bvslt",
        Op.BvSle => "bvsle",
        Op.Concat => "concat",
        Op.ForAll => "forall",
        Op.Exists => "exists",
        _ => throw new ArgumentException($"{op} has no plain SMT-LIB2 name.", nameof(op)),
    };

    /// <summary>The operator head of a term: <c>bvadd</c>, <c>(_ extract 7 0)</c>, a function's name.</summary>
    internal static string Head(Term term, Func<Function, string> functionName) => term.Op switch
    {
        Op.Extract => $"(_ extract {term.High} {term.Low})",
        Op.ZeroExtend => $"(_ zero_extend {term.High})",
        Op.SignExtend => $"(_ sign_extend {term.High})",
        Op.Apply => functionName(term.Function!),
        _ => OperatorName(term.Op),
    };

    private static void Write(StringBuilder builder, Term term, int maxLength)
    {
        if (builder.Length > maxLength)
        {
            return;
        }
        switch (term.Op)
        {
            case Op.Const:
                builder.Append(Constant(term.Value, term.Sort));
                return;
            case Op.Var:
                builder.Append(term.Name);
                return;
            case Op.ForAll or Op.Exists:
                builder.Append('(').Append(OperatorName(term.Op)).Append(" (");
                foreach (var variable in term.Bound)
                {
                    builder.Append('(').Append(variable.Name).Append(' ').Append(variable.Sort).Append(')');
                }
                builder.Append(") ");
                Write(builder, term[0], maxLength);
                builder.Append(')');
                return;
        }
        builder.Append('(').Append(Head(term, f => f.Name));
        foreach (var arg in term.Args)
        {
            builder.Append(' ');
            Write(builder, arg, maxLength);
        }
        builder.Append(')');
    }
}
