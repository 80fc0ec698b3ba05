using System.Numerics;
using CsCheck;
using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

/// <summary>
/// Every operator, at random widths 1..64 and 128 with edge-biased operands, three ways: the concrete fast path of
/// <see cref="BitVec"/>, constant folding in the term builders, and evaluation of a symbolic term in a model; each
/// against <see cref="Reference"/>.
/// </summary>
public sealed class SemanticsTests
{
    private static readonly Op[] BinaryOps =
    [
        Op.BvAdd, Op.BvSub, Op.BvMul, Op.BvAnd, Op.BvOr, Op.BvXor, Op.BvUDiv, Op.BvSDiv, Op.BvURem, Op.BvSRem, Op.BvSMod,
        Op.BvShl, Op.BvLShr, Op.BvAShr,
    ];

    private static readonly Op[] Comparisons = [Op.Eq, Op.BvUlt, Op.BvUle, Op.BvSlt, Op.BvSle];

    private static readonly Gen<int> Width = Gen.Frequency((8, Gen.Int[1, 64]), (1, Gen.Const(128)), (1, Gen.OneOf(1, 8, 32, 64)));

    private static Gen<UInt128> Operand(int width) => Gen.Frequency(
        (4, Gen.Select(Gen.ULong, Gen.ULong, (h, l) => ((UInt128)h << 64) | l)),
        (1, Gen.OneOf(UInt128.Zero, UInt128.One, UInt128.MaxValue, (UInt128)2, (UInt128)(ulong)width, UInt128.One << (width - 1))),
        (1, Gen.Int[0, 130].Select(i => (UInt128)i)))
        .Select(v => v & Reference.Mask(width));

    private static readonly Gen<(int Width, UInt128 A, UInt128 B)> Operands =
        Width.SelectMany(w => Gen.Select(Operand(w), Operand(w), (a, b) => (w, a, b)));

    [Fact]
    public void Binary_operators_match_the_reference_on_all_three_paths()
    {
        Operands.Sample(o =>
        {
            foreach (var op in BinaryOps)
            {
                var expected = Reference.Binary(op, o.A, o.B, o.Width);
                var (x, y) = (Of(o.A, o.Width), Of(o.B, o.Width));
                AssertEqual(expected, Values(op, x, y), $"{op} values");
                AssertEqual(expected, Terms(op, x.ToTerm(), y.ToTerm()), $"{op} folding");
                AssertEqual(expected, Evaluated(o.Width, o.A, o.B, (p, q) => Terms(op, p, q)), $"{op} symbolic");
            }
        }, iter: 400);
    }

    [Fact]
    public void Comparisons_match_the_reference_on_all_three_paths()
    {
        Operands.Sample(o =>
        {
            foreach (var op in Comparisons)
            {
                var expected = Reference.Compare(op, o.A, o.B, o.Width);
                var (x, y) = (Of(o.A, o.Width), Of(o.B, o.Width));
                Assert.Equal(expected, Compare(op, x, y).Value);
                Assert.Equal(expected, Bool.FromTerm(Compare(op, x.ToTerm(), y.ToTerm())).Value);
                var (p, q) = (Term.Fresh("p", Sort.BitVec(o.Width)), Term.Fresh("q", Sort.BitVec(o.Width)));
                var model = new Model(new Dictionary<Term, Term> { [p] = x.ToTerm(), [q] = y.ToTerm() });
                Assert.Equal(expected, model.Evaluate(Compare(op, p, q)).IsTrue);
            }
        }, iter: 400);
    }

    [Fact]
    public void Unary_rotate_extract_and_extension_match_the_reference()
    {
        Operands.Sample(o =>
        {
            var w = o.Width;
            var x = Of(o.A, w);
            var amount = Of(o.B, w);
            AssertEqual(~o.A & Reference.Mask(w), ~x, "bvnot");
            AssertEqual((UInt128.Zero - o.A) & Reference.Mask(w), -x, "bvneg");
            AssertEqual(Reference.RotateLeft(o.A, o.B, w), x.RotateLeft(amount), "rotate left");
            AssertEqual(Reference.RotateRight(o.A, o.B, w), x.RotateRight(amount), "rotate right");
            var p = Term.Fresh("p", Sort.BitVec(w));
            var q = Term.Fresh("q", Sort.BitVec(w));
            var model = new Model(new Dictionary<Term, Term> { [p] = x.ToTerm(), [q] = amount.ToTerm() });
            AssertEqual(Reference.RotateLeft(o.A, o.B, w), BitVec.FromTerm(model.Evaluate(Term.RotateLeft(p, q))), "symbolic rotate left");
            AssertEqual(Reference.RotateRight(o.A, o.B, w), BitVec.FromTerm(model.Evaluate(Term.RotateRight(p, q))), "symbolic rotate right");

            var low = (int)(o.B % (UInt128)w);
            var high = low + (int)((o.B >> 64) % (UInt128)(w - low));
            var extracted = (o.A >> low) & Reference.Mask(high - low + 1);
            AssertEqual(extracted, x.Extract(high, low), "extract");
            AssertEqual(extracted, BitVec.FromTerm(model.Evaluate(Term.Extract(high, low, p))), "symbolic extract");

            var extra = w == 128 ? 0 : (int)(o.B % (UInt128)(129 - w));
            AssertEqual(o.A, x.ZeroExtend(extra), "zero extend");
            AssertEqual(Reference.Wrap(Reference.Signed(o.A, w), w + extra), x.SignExtend(extra), "sign extend");
            AssertEqual(Reference.Wrap(Reference.Signed(o.A, w), w + extra), BitVec.FromTerm(model.Evaluate(Term.SignExtend(p, extra))), "symbolic sign extend");

            var lowWidth = Math.Max(1, 128 - w == 0 ? 0 : (int)(o.B % (UInt128)(129 - w)));
            if (w + lowWidth <= 128)
            {
                var lowPart = o.B & Reference.Mask(lowWidth);
                AssertEqual((o.A << lowWidth) | lowPart, x.Concat(Of(lowPart, lowWidth)), "concat");
            }
        }, iter: 400);
    }

    [Fact]
    public void Wide_values_hold_128_bit_results()
    {
        var max = BitVec.Of(UInt128.MaxValue, 128);
        var one = BitVec.Of(UInt128.One, 128);
        Assert.Equal(BigInteger.Zero, (max + one).BigValue);
        Assert.Equal((BigInteger)UInt128.MaxValue, (-one).BigValue);
        Assert.Equal((BigInteger)1 << 127, (one << 127).BigValue);
        Assert.True(max.Slt(one).Value);
        Assert.False(max.Ult(one).Value);
        Assert.Throws<InvalidOperationException>(() => max.Value);
    }

    [Fact]
    public void Mismatched_widths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BitVec.Of(1UL, 8) + BitVec.Of(1UL, 16));
        Assert.Throws<ArgumentException>(() => BitVec.Var("m8", 8) + BitVec.Of(1UL, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitVec.Of(1UL, 8).Extract(8, 0));
    }

    private static BitVec Of(UInt128 value, int width) => BitVec.Of(value, width);

    private static void AssertEqual(UInt128 expected, BitVec actual, string what)
    {
        Assert.True(actual.IsConcrete, $"{what}: not concrete: {actual}");
        Assert.True((BigInteger)expected == actual.BigValue, $"{what}: expected {expected:x}, got {actual}");
    }

    private static void AssertEqual(UInt128 expected, Term actual, string what) => AssertEqual(expected, BitVec.FromTerm(actual), what);

    private static BitVec Evaluated(int width, UInt128 a, UInt128 b, Func<Term, Term, Term> build)
    {
        var (p, q) = (Term.Fresh("p", Sort.BitVec(width)), Term.Fresh("q", Sort.BitVec(width)));
        var model = new Model(new Dictionary<Term, Term> { [p] = Of(a, width).ToTerm(), [q] = Of(b, width).ToTerm() });
        return BitVec.FromTerm(model.Evaluate(build(p, q)));
    }

    private static BitVec Values(Op op, BitVec x, BitVec y) => op switch
    {
        Op.BvAdd => x + y,
        Op.BvSub => x - y,
        Op.BvMul => x * y,
        Op.BvAnd => x & y,
        Op.BvOr => x | y,
        Op.BvXor => x ^ y,
        Op.BvUDiv => x.UDiv(y),
        Op.BvSDiv => x.SDiv(y),
        Op.BvURem => x.URem(y),
        Op.BvSRem => x.SRem(y),
        Op.BvSMod => x.SMod(y),
        Op.BvShl => x << y,
        Op.BvLShr => x >>> y,
        _ => x.AShr(y),
    };

    private static Term Terms(Op op, Term x, Term y) => op switch
    {
        Op.BvAdd => Term.Add(x, y),
        Op.BvSub => Term.Sub(x, y),
        Op.BvMul => Term.Mul(x, y),
        Op.BvAnd => Term.BvAnd(x, y),
        Op.BvOr => Term.BvOr(x, y),
        Op.BvXor => Term.BvXor(x, y),
        Op.BvUDiv => Term.UDiv(x, y),
        Op.BvSDiv => Term.SDiv(x, y),
        Op.BvURem => Term.URem(x, y),
        Op.BvSRem => Term.SRem(x, y),
        Op.BvSMod => Term.SMod(x, y),
        Op.BvShl => Term.Shl(x, y),
        Op.BvLShr => Term.LShr(x, y),
        _ => Term.AShr(x, y),
    };

    private static Bool Compare(Op op, BitVec x, BitVec y) => op switch
    {
        Op.Eq => x == y,
        Op.BvUlt => x.Ult(y),
        Op.BvUle => x.Ule(y),
        Op.BvSlt => x.Slt(y),
        _ => x.Sle(y),
    };

    private static Term Compare(Op op, Term x, Term y) => op switch
    {
        Op.Eq => Term.Eq(x, y),
        Op.BvUlt => Term.Ult(x, y),
        Op.BvUle => Term.Ule(x, y),
        Op.BvSlt => Term.Slt(x, y),
        _ => Term.Sle(x, y),
    };
}
