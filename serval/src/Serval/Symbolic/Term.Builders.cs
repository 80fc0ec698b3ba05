using System.Numerics;

namespace Serval.Symbolic;

// Construction with constant folding and algebraic simplification. Every rule here must be sound for all widths;
// the tests prove each by the solver at small widths and check it concretely at all widths.
public sealed partial class Term
{
    /// <summary>Boolean negation.</summary>
    public static Term Not(Term a)
    {
        RequireBool(a);
        if (a.Op == Op.Const)
        {
            return BoolConst(a.Value.IsZero);
        }
        if (a.Op == Op.Not)
        {
            return a._args[0];
        }
        return Make(Op.Not, Sort.Bool, a);
    }

    /// <summary>Boolean conjunction.</summary>
    public static Term And(Term a, Term b)
    {
        RequireBool(a);
        RequireBool(b);
        if (a.IsFalse || b.IsFalse || IsNegationOf(a, b))
        {
            return False;
        }
        if (a.IsTrue || ReferenceEquals(a, b))
        {
            return b;
        }
        if (b.IsTrue)
        {
            return a;
        }
        if (a.Op == Op.And && (ReferenceEquals(a._args[0], b) || ReferenceEquals(a._args[1], b)))
        {
            return a;
        }
        if (b.Op == Op.And && (ReferenceEquals(b._args[0], a) || ReferenceEquals(b._args[1], a)))
        {
            return b;
        }
        return MakeCommutative(Op.And, Sort.Bool, a, b);
    }

    /// <summary>Boolean disjunction.</summary>
    public static Term Or(Term a, Term b)
    {
        RequireBool(a);
        RequireBool(b);
        if (a.IsTrue || b.IsTrue || IsNegationOf(a, b))
        {
            return True;
        }
        if (a.IsFalse || ReferenceEquals(a, b))
        {
            return b;
        }
        if (b.IsFalse)
        {
            return a;
        }
        if (a.Op == Op.Or && (ReferenceEquals(a._args[0], b) || ReferenceEquals(a._args[1], b)))
        {
            return a;
        }
        if (b.Op == Op.Or && (ReferenceEquals(b._args[0], a) || ReferenceEquals(b._args[1], a)))
        {
            return b;
        }
        return MakeCommutative(Op.Or, Sort.Bool, a, b);
    }

    /// <summary>Boolean exclusive or.</summary>
    public static Term Xor(Term a, Term b)
    {
        RequireBool(a);
        RequireBool(b);
        if (a.Op == Op.Const)
        {
            return a.IsTrue ? Not(b) : b;
        }
        if (b.Op == Op.Const)
        {
            return b.IsTrue ? Not(a) : a;
        }
        if (ReferenceEquals(a, b))
        {
            return False;
        }
        if (IsNegationOf(a, b))
        {
            return True;
        }
        return MakeCommutative(Op.Xor, Sort.Bool, a, b);
    }

    /// <summary>Implication, as <c>(or (not a) b)</c>.</summary>
    public static Term Implies(Term a, Term b) => Or(Not(a), b);

    /// <summary>The conjunction of <paramref name="terms"/> (true when empty).</summary>
    public static Term And(IEnumerable<Term> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var result = True;
        foreach (var term in terms)
        {
            result = And(result, term);
        }
        return result;
    }

    /// <summary>The disjunction of <paramref name="terms"/> (false when empty).</summary>
    public static Term Or(IEnumerable<Term> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var result = False;
        foreach (var term in terms)
        {
            result = Or(result, term);
        }
        return result;
    }

    /// <summary>Equality of two terms of the same sort.</summary>
    public static Term Eq(Term a, Term b)
    {
        RequireSameSort(a, b);
        if (ReferenceEquals(a, b))
        {
            return True;
        }
        if (a.Op == Op.Const && b.Op == Op.Const)
        {
            return BoolConst(a.Value == b.Value);
        }
        if (a.Sort.IsBool)
        {
            if (a.Op == Op.Const)
            {
                return a.IsTrue ? b : Not(b);
            }
            if (b.Op == Op.Const)
            {
                return b.IsTrue ? a : Not(a);
            }
            if (IsNegationOf(a, b))
            {
                return False;
            }
        }
        else
        {
            if (a.Op == Op.Const)
            {
                (a, b) = (b, a);
            }
            if (b.Op == Op.Const)
            {
                // ite(c, k1, k2) = k3 decides c when the constants differ: this keeps merged program counters small.
                if (a.Op == Op.Ite && a._args[1].Op == Op.Const && a._args[2].Op == Op.Const)
                {
                    var (hitThen, hitElse) = (a._args[1].Value == b.Value, a._args[2].Value == b.Value);
                    return hitThen ? (hitElse ? True : a._args[0]) : (hitElse ? Not(a._args[0]) : False);
                }
                // k1 + x = k2  <=>  x = k2 - k1; ~x = k <=> x = ~k; -x = k <=> x = -k.
                if (a.Op == Op.BvAdd && a._args[0].Op == Op.Const)
                {
                    return Eq(a._args[1], BvConst(b.Value - a._args[0].Value, a.Width));
                }
                if (a.Op == Op.BvNot)
                {
                    return Eq(a._args[0], BvConst(b.Value ^ BitMath.Mask(a.Width), a.Width));
                }
                if (a.Op == Op.BvNeg)
                {
                    return Eq(a._args[0], BvConst(-b.Value, a.Width));
                }
                if (a.Op is Op.ZeroExtend && (b.Value >> a._args[0].Width).IsZero is false)
                {
                    return False;
                }
            }
        }
        return MakeCommutative(Op.Eq, Sort.Bool, a, b);
    }

    /// <summary>If-then-else over terms of one sort.</summary>
    public static Term Ite(Term condition, Term then, Term @else)
    {
        RequireBool(condition);
        RequireSameSort(then, @else);
        if (condition.Op == Op.Const)
        {
            return condition.IsTrue ? then : @else;
        }
        if (ReferenceEquals(then, @else))
        {
            return then;
        }
        if (condition.Op == Op.Not)
        {
            return Ite(condition._args[0], @else, then);
        }
        if (then.Op == Op.Ite && ReferenceEquals(then._args[0], condition))
        {
            return Ite(condition, then._args[1], @else);
        }
        if (@else.Op == Op.Ite && ReferenceEquals(@else._args[0], condition))
        {
            return Ite(condition, then, @else._args[2]);
        }
        if (then.Sort.IsBool)
        {
            if (then.Op == Op.Const)
            {
                return then.IsTrue ? Or(condition, @else) : And(Not(condition), @else);
            }
            if (@else.Op == Op.Const)
            {
                return @else.IsTrue ? Or(Not(condition), then) : And(condition, then);
            }
        }
        return Make(Op.Ite, then.Sort, condition, then, @else);
    }

    /// <summary>Bitwise complement.</summary>
    public static Term BvNot(Term a)
    {
        RequireBitVec(a);
        if (a.Op == Op.Const)
        {
            return BvConst(a.Value ^ BitMath.Mask(a.Width), a.Width);
        }
        if (a.Op == Op.BvNot)
        {
            return a._args[0];
        }
        return Make(Op.BvNot, a.Sort, a);
    }

    /// <summary>Two's complement negation.</summary>
    public static Term Neg(Term a)
    {
        RequireBitVec(a);
        if (a.Op == Op.Const)
        {
            return BvConst(-a.Value, a.Width);
        }
        if (a.Op == Op.BvNeg)
        {
            return a._args[0];
        }
        return Make(Op.BvNeg, a.Sort, a);
    }

    /// <summary>Addition modulo 2^width.</summary>
    public static Term Add(Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (b.Op == Op.Const)
        {
            (a, b) = (b, a);
        }
        if (a.Op == Op.Const)
        {
            if (b.Op == Op.Const)
            {
                return BvConst(a.Value + b.Value, a.Width);
            }
            if (a.Value.IsZero)
            {
                return b;
            }
            if (b.Op == Op.BvAdd && b._args[0].Op == Op.Const)
            {
                return Add(BvConst(a.Value + b._args[0].Value, a.Width), b._args[1]);
            }
        }
        if (a.Op == Op.BvNeg && ReferenceEquals(a._args[0], b) || b.Op == Op.BvNeg && ReferenceEquals(b._args[0], a))
        {
            return BvConst(0UL, a.Width);
        }
        return MakeCommutative(Op.BvAdd, a.Sort, a, b);
    }

    /// <summary>Subtraction modulo 2^width.</summary>
    public static Term Sub(Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (ReferenceEquals(a, b))
        {
            return BvConst(0UL, a.Width);
        }
        if (b.Op == Op.Const)
        {
            return Add(a, BvConst(-b.Value, a.Width));
        }
        if (a.Op == Op.Const && a.Value.IsZero)
        {
            return Neg(b);
        }
        return Make(Op.BvSub, a.Sort, a, b);
    }

    /// <summary>Multiplication modulo 2^width.</summary>
    public static Term Mul(Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (b.Op == Op.Const)
        {
            (a, b) = (b, a);
        }
        if (a.Op == Op.Const)
        {
            if (b.Op == Op.Const)
            {
                return BvConst(a.Value * b.Value, a.Width);
            }
            if (a.Value.IsZero)
            {
                return a;
            }
            if (a.Value.IsOne)
            {
                return b;
            }
            if (b.Op == Op.BvMul && b._args[0].Op == Op.Const)
            {
                return Mul(BvConst(a.Value * b._args[0].Value, a.Width), b._args[1]);
            }
        }
        return MakeCommutative(Op.BvMul, a.Sort, a, b);
    }

    /// <summary>Unsigned division (by zero: all ones).</summary>
    public static Term UDiv(Term a, Term b) => Division(Op.BvUDiv, a, b);

    /// <summary>Signed division truncating toward zero (by zero: -1 for a non-negative dividend, 1 otherwise).</summary>
    public static Term SDiv(Term a, Term b) => Division(Op.BvSDiv, a, b);

    /// <summary>Unsigned remainder (by zero: the dividend).</summary>
    public static Term URem(Term a, Term b) => Division(Op.BvURem, a, b);

    /// <summary>Signed remainder, with the dividend's sign (by zero: the dividend).</summary>
    public static Term SRem(Term a, Term b) => Division(Op.BvSRem, a, b);

    /// <summary>Signed modulus, with the divisor's sign (by zero: the dividend).</summary>
    public static Term SMod(Term a, Term b) => Division(Op.BvSMod, a, b);

    /// <summary>Bitwise and.</summary>
    public static Term BvAnd(Term a, Term b) => Bitwise(Op.BvAnd, a, b);

    /// <summary>Bitwise or.</summary>
    public static Term BvOr(Term a, Term b) => Bitwise(Op.BvOr, a, b);

    /// <summary>Bitwise exclusive or.</summary>
    public static Term BvXor(Term a, Term b) => Bitwise(Op.BvXor, a, b);

    /// <summary>Shift left by <paramref name="b"/> (an amount of the same width).</summary>
    public static Term Shl(Term a, Term b) => Shift(Op.BvShl, a, b);

    /// <summary>Logical shift right.</summary>
    public static Term LShr(Term a, Term b) => Shift(Op.BvLShr, a, b);

    /// <summary>Arithmetic shift right.</summary>
    public static Term AShr(Term a, Term b) => Shift(Op.BvAShr, a, b);

    /// <summary>Rotate left by <paramref name="b"/> modulo the width.</summary>
    public static Term RotateLeft(Term a, Term b)
    {
        RequireSameBitVec(a, b);
        var width = BvConst((ulong)a.Width, a.Width);
        var amount = a.Width == 1 ? BvConst(0UL, 1) : URem(b, width);
        return BvOr(Shl(a, amount), LShr(a, Sub(width, amount)));
    }

    /// <summary>Rotate right by <paramref name="b"/> modulo the width.</summary>
    public static Term RotateRight(Term a, Term b)
    {
        RequireSameBitVec(a, b);
        var width = BvConst((ulong)a.Width, a.Width);
        var amount = a.Width == 1 ? BvConst(0UL, 1) : URem(b, width);
        return BvOr(LShr(a, amount), Shl(a, Sub(width, amount)));
    }

    /// <summary>Unsigned less than.</summary>
    public static Term Ult(Term a, Term b) => Comparison(Op.BvUlt, a, b);

    /// <summary>Unsigned less than or equal.</summary>
    public static Term Ule(Term a, Term b) => Comparison(Op.BvUle, a, b);

    /// <summary>Signed less than.</summary>
    public static Term Slt(Term a, Term b) => Comparison(Op.BvSlt, a, b);

    /// <summary>Signed less than or equal.</summary>
    public static Term Sle(Term a, Term b) => Comparison(Op.BvSle, a, b);

    /// <summary>Bits <paramref name="high"/> down to <paramref name="low"/> of <paramref name="a"/>.</summary>
    public static Term Extract(int high, int low, Term a)
    {
        RequireBitVec(a);
        if (low < 0 || high < low || high >= a.Width)
        {
            throw new ArgumentOutOfRangeException(nameof(high), $"extract [{high}:{low}] does not fit a {a.Width}-bit vector.");
        }
        var width = high - low + 1;
        if (width == a.Width)
        {
            return a;
        }
        switch (a.Op)
        {
            case Op.Const:
                return BvConst(a.Value >> low, width);
            case Op.Extract:
                return Extract(high + a.Low, low + a.Low, a._args[0]);
            case Op.Concat:
                var lowPart = a._args[1];
                if (high < lowPart.Width)
                {
                    return Extract(high, low, lowPart);
                }
                if (low >= lowPart.Width)
                {
                    return Extract(high - lowPart.Width, low - lowPart.Width, a._args[0]);
                }
                break;
            case Op.ZeroExtend:
            case Op.SignExtend:
                var inner = a._args[0];
                if (high < inner.Width)
                {
                    return Extract(high, low, inner);
                }
                if (a.Op == Op.ZeroExtend && low >= inner.Width)
                {
                    return BvConst(0UL, width);
                }
                break;
        }
        return Intern(new Term(Op.Extract, Sort.BitVec(width), [a], high: high, low: low));
    }

    /// <summary>Concatenation: <paramref name="high"/> supplies the high bits.</summary>
    public static Term Concat(Term high, Term low)
    {
        RequireBitVec(high);
        RequireBitVec(low);
        var width = Widen(high.Width, low.Width);
        if (high.Op == Op.Const && low.Op == Op.Const)
        {
            return BvConst((high.Value << low.Width) | low.Value, width);
        }
        if (high.Op == Op.Const && high.Value.IsZero)
        {
            return ZeroExtend(low, high.Width);
        }
        if (high.Op == Op.Extract && low.Op == Op.Extract && ReferenceEquals(high._args[0], low._args[0]) && high.Low == low.High + 1)
        {
            return Extract(high.High, low.Low, low._args[0]);
        }
        return Make(Op.Concat, Sort.BitVec(width), high, low);
    }

    /// <summary><paramref name="a"/> extended with <paramref name="bits"/> zero bits.</summary>
    public static Term ZeroExtend(Term a, int bits) => Extension(Op.ZeroExtend, a, bits);

    /// <summary><paramref name="a"/> extended with <paramref name="bits"/> copies of its sign bit.</summary>
    public static Term SignExtend(Term a, int bits) => Extension(Op.SignExtend, a, bits);

    /// <summary>The application of <paramref name="function"/> to <paramref name="arguments"/>.</summary>
    public static Term Apply(Function function, params ReadOnlySpan<Term> arguments)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (arguments.Length != function.Domain.Count)
        {
            throw new ArgumentException($"{function.Name} takes {function.Domain.Count} arguments, not {arguments.Length}.", nameof(arguments));
        }
        for (var i = 0; i < arguments.Length; i++)
        {
            if (arguments[i].Sort != function.Domain[i])
            {
                throw new ArgumentException($"{function.Name}'s argument {i} has sort {function.Domain[i]}, not {arguments[i].Sort}.", nameof(arguments));
            }
        }
        return Intern(new Term(Op.Apply, function.Range, arguments.ToArray(), function: function));
    }

    /// <summary>Universal quantification of <paramref name="body"/> over the variables <paramref name="variables"/>.</summary>
    public static Term ForAll(IReadOnlyList<Term> variables, Term body) => Quantifier(Op.ForAll, variables, body);

    /// <summary>Existential quantification of <paramref name="body"/> over the variables <paramref name="variables"/>.</summary>
    public static Term Exists(IReadOnlyList<Term> variables, Term body) => Quantifier(Op.Exists, variables, body);

    /// <summary>
    /// Builds the operator of <paramref name="shape"/> over <paramref name="args"/> through the simplifying builders: the way to rebuild a
    /// term after replacing its arguments. Extract and the extensions take their indices from <paramref name="shape"/>.
    /// </summary>
    public static Term Rebuild(Term shape, ReadOnlySpan<Term> args)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Op switch
        {
            Op.Const or Op.Var => shape,
            Op.Not => Not(args[0]),
            Op.And => And(args[0], args[1]),
            Op.Or => Or(args[0], args[1]),
            Op.Xor => Xor(args[0], args[1]),
            Op.Eq => Eq(args[0], args[1]),
            Op.Ite => Ite(args[0], args[1], args[2]),
            Op.BvNot => BvNot(args[0]),
            Op.BvNeg => Neg(args[0]),
            Op.BvAdd => Add(args[0], args[1]),
            Op.BvSub => Sub(args[0], args[1]),
            Op.BvMul => Mul(args[0], args[1]),
            Op.BvUDiv or Op.BvSDiv or Op.BvURem or Op.BvSRem or Op.BvSMod => Division(shape.Op, args[0], args[1]),
            Op.BvAnd or Op.BvOr or Op.BvXor => Bitwise(shape.Op, args[0], args[1]),
            Op.BvShl or Op.BvLShr or Op.BvAShr => Shift(shape.Op, args[0], args[1]),
            Op.BvUlt or Op.BvUle or Op.BvSlt or Op.BvSle => Comparison(shape.Op, args[0], args[1]),
            Op.Extract => Extract(shape.High, shape.Low, args[0]),
            Op.Concat => Concat(args[0], args[1]),
            Op.ZeroExtend or Op.SignExtend => Extension(shape.Op, args[0], shape.High),
            Op.Apply => Apply(shape.Function!, args),
            Op.ForAll or Op.Exists => Quantifier(shape.Op, shape._bound, args[0]),
            _ => throw new ArgumentException($"Unknown operator {shape.Op}.", nameof(shape)),
        };
    }

    /// <summary>
    /// The term <paramref name="op"/>(<paramref name="args"/>) exactly as given, without folding or simplification
    /// (for checking the simplifier against the unsimplified form).
    /// </summary>
    internal static Term Unsimplified(Op op, params Term[] args) => Unsimplified(op, 0, 0, args);

    /// <summary>The indexed term (extract, extensions) <paramref name="op"/> exactly as given.</summary>
    internal static Term Unsimplified(Op op, int high, int low, params Term[] args)
    {
        switch (op)
        {
            case Op.Extract:
                return Intern(new Term(op, Sort.BitVec(high - low + 1), args, high: high, low: low));
            case Op.ZeroExtend or Op.SignExtend:
                return Intern(new Term(op, Sort.BitVec(args[0].Width + high), args, high: high));
        }
        var sort = op switch
        {
            Op.Not or Op.And or Op.Or or Op.Xor or Op.Eq or Op.BvUlt or Op.BvUle or Op.BvSlt or Op.BvSle => Sort.Bool,
            Op.Ite => args[1].Sort,
            Op.Concat => Sort.BitVec(args[0].Width + args[1].Width),
            _ => args[0].Sort,
        };
        return Intern(new Term(op, sort, args));
    }

    private static Term Division(Op op, Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (a.Op == Op.Const && b.Op == Op.Const)
        {
            return BvConst(BitMath.Apply(op, a.Value, b.Value, a.Width), a.Width);
        }
        if (b.Op == Op.Const && b.Value.IsOne)
        {
            return op is Op.BvUDiv or Op.BvSDiv ? a : BvConst(0UL, a.Width);
        }
        if (b.Op == Op.Const && b.Value.IsZero)
        {
            // SMT-LIB2: x udiv 0 = ~0, x urem 0 = x, x srem 0 = x, x smod 0 = x.
            switch (op)
            {
                case Op.BvUDiv:
                    return BvConst(BitMath.Mask(a.Width), a.Width);
                case Op.BvURem or Op.BvSRem or Op.BvSMod:
                    return a;
            }
        }
        return Make(op, a.Sort, a, b);
    }

    private static Term Bitwise(Op op, Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (b.Op == Op.Const)
        {
            (a, b) = (b, a);
        }
        var ones = BitMath.Mask(a.Width);
        if (a.Op == Op.Const)
        {
            if (b.Op == Op.Const)
            {
                return BvConst(BitMath.Apply(op, a.Value, b.Value, a.Width), a.Width);
            }
            switch (op)
            {
                case Op.BvAnd when a.Value.IsZero:
                case Op.BvOr when a.Value == ones:
                    return a;
                case Op.BvAnd when a.Value == ones:
                case Op.BvOr or Op.BvXor when a.Value.IsZero:
                    return b;
                case Op.BvXor when a.Value == ones:
                    return BvNot(b);
            }
            if (b.Op == op && b._args[0].Op == Op.Const)
            {
                return Bitwise(op, BvConst(BitMath.Apply(op, a.Value, b._args[0].Value, a.Width), a.Width), b._args[1]);
            }
        }
        if (ReferenceEquals(a, b))
        {
            return op == Op.BvXor ? BvConst(0UL, a.Width) : a;
        }
        if (a.Op == Op.BvNot && ReferenceEquals(a._args[0], b) || b.Op == Op.BvNot && ReferenceEquals(b._args[0], a))
        {
            return BvConst(op == Op.BvAnd ? BigInteger.Zero : ones, a.Width);
        }
        return MakeCommutative(op, a.Sort, a, b);
    }

    private static Term Shift(Op op, Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (b.Op == Op.Const)
        {
            if (a.Op == Op.Const)
            {
                return BvConst(BitMath.Apply(op, a.Value, b.Value, a.Width), a.Width);
            }
            if (b.Value.IsZero)
            {
                return a;
            }
            if (b.Value >= a.Width && op != Op.BvAShr)
            {
                return BvConst(0UL, a.Width);
            }
            if (a.Op == op && a._args[1].Op == Op.Const)
            {
                // (x >> c1) >> c2 = x >> (c1 + c2): a loop shifting by a constant (while (x) x >>= 1) reaches a
                // constant zero after width steps, so its exit condition becomes concrete and the loop ends.
                var total = BigInteger.Min(a._args[1].Value + b.Value, op == Op.BvAShr ? a.Width - 1 : a.Width);
                return Shift(op, a._args[0], BvConst(total, a.Width));
            }
            if (op == Op.BvLShr && a.Op == Op.ZeroExtend)
            {
                // zext(y) >> c = zext(y >> c): the shift stays at y's width, where the rule above composes it.
                var inner = a._args[0];
                return ZeroExtend(Shift(op, inner, BvConst(BigInteger.Min(b.Value, inner.Width), inner.Width)), a.Width - inner.Width);
            }
        }
        if (a.Op == Op.Const && a.Value.IsZero)
        {
            return a;
        }
        return Make(op, a.Sort, a, b);
    }

    private static Term Comparison(Op op, Term a, Term b)
    {
        RequireSameBitVec(a, b);
        if (a.Op == Op.Const && b.Op == Op.Const)
        {
            return BoolConst(BitMath.Compare(op, a.Value, b.Value, a.Width));
        }
        if (ReferenceEquals(a, b))
        {
            return BoolConst(op is Op.BvUle or Op.BvSle);
        }
        switch (op)
        {
            case Op.BvUlt when b.Op == Op.Const && b.Value.IsZero:
                return False;
            case Op.BvUle when a.Op == Op.Const && a.Value.IsZero:
                return True;
            case Op.BvUle when b.Op == Op.Const && b.Value == BitMath.Mask(a.Width):
                return True;
            case Op.BvUlt when a.Op == Op.Const && a.Value == BitMath.Mask(a.Width):
                return False;
        }
        return Make(op, Sort.Bool, a, b);
    }

    // The width of a concatenation or extension; more bits than an int holds is refused, not wrapped to a negative.
    private static int Widen(int width, int bits) =>
        (long)width + bits <= int.MaxValue ? width + bits
            : throw new ArgumentOutOfRangeException(nameof(bits), bits, $"A bitvector of {(long)width + bits} bits is wider than the {int.MaxValue} supported.");

    private static Term Extension(Op op, Term a, int bits)
    {
        RequireBitVec(a);
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        if (bits == 0)
        {
            return a;
        }
        var width = Widen(a.Width, bits);
        if (a.Op == Op.Const)
        {
            return op == Op.ZeroExtend ? BvConst(a.Value, width) : BvConst(BitMath.ToSigned(a.Value, a.Width), width);
        }
        if (a.Op == op)
        {
            return Extension(op, a._args[0], bits + a.High);
        }
        return Intern(new Term(op, Sort.BitVec(width), [a], high: bits));
    }

    private static Term Quantifier(Op op, IReadOnlyList<Term> variables, Term body)
    {
        ArgumentNullException.ThrowIfNull(variables);
        RequireBool(body);
        if (variables.Count == 0 || body.Op == Op.Const)
        {
            return body;
        }
        foreach (var variable in variables)
        {
            if (variable.Op != Op.Var)
            {
                throw new ArgumentException($"A quantifier binds variables, not {variable}.", nameof(variables));
            }
        }
        return Intern(new Term(op, Sort.Bool, [body], bound: [.. variables]));
    }

    private static bool IsNegationOf(Term a, Term b) =>
        a.Op == Op.Not && ReferenceEquals(a._args[0], b) || b.Op == Op.Not && ReferenceEquals(b._args[0], a);

    private static Term Make(Op op, Sort sort, params Term[] args) => Intern(new Term(op, sort, args));

    // Commutative operators keep a constant first, then the older term first, so that a+b and b+a share one node.
    private static Term MakeCommutative(Op op, Sort sort, Term a, Term b)
    {
        if (b.Op == Op.Const && a.Op != Op.Const || a.Op != Op.Const && b.Op != Op.Const && b.Id < a.Id)
        {
            (a, b) = (b, a);
        }
        return Make(op, sort, a, b);
    }

    private static void RequireBool(Term a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (!a.Sort.IsBool)
        {
            throw new ArgumentException($"Expected a boolean, got {a.Sort}: {a}.", nameof(a));
        }
    }

    private static void RequireBitVec(Term a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (!a.Sort.IsBitVec)
        {
            throw new ArgumentException($"Expected a bitvector, got a boolean: {a}.", nameof(a));
        }
    }

    private static void RequireSameSort(Term a, Term b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Sort != b.Sort)
        {
            throw new ArgumentException($"Sorts differ: {a.Sort} and {b.Sort}.", nameof(b));
        }
    }

    private static void RequireSameBitVec(Term a, Term b)
    {
        RequireBitVec(a);
        RequireSameSort(a, b);
    }
}
