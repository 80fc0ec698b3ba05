using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

/// <summary>
/// The simplifier is checked against the unsimplified term for every operator over a pool of argument shapes that
/// trigger its rules (constants 0, 1, all ones; x against x, ~x, -x; constant offsets; if-then-else of constants;
/// extracts and extensions). Proved equal by z3 at small widths, and evaluated at random points at every width.
/// </summary>
public sealed class SimplifierTests
{
    private static readonly Op[] BinaryOps =
    [
        Op.BvAdd, Op.BvSub, Op.BvMul, Op.BvAnd, Op.BvOr, Op.BvXor, Op.BvUDiv, Op.BvSDiv, Op.BvURem, Op.BvSRem, Op.BvSMod,
        Op.BvShl, Op.BvLShr, Op.BvAShr, Op.BvUlt, Op.BvUle, Op.BvSlt, Op.BvSle, Op.Eq, Op.Concat,
    ];

    private static readonly Op[] BoolOps = [Op.And, Op.Or, Op.Xor, Op.Eq];

    [Theory(Timeout = 60_000)]
    [Integration]
    [InlineData(4)]
    [InlineData(8)]
    public void Every_rewrite_is_proved_sound_by_the_solver(int width)
    {
        var pairs = Rewrites(width).ToList();
        var all = Term.And(pairs.Select(p => Term.Eq(p.Raw, p.Simplified)));
        using var solver = SolverPool.Create("z3");
        var result = Sym.Verify(Bool.FromTerm(all), new VerifyOptions { Solver = solver, Timeout = TimeSpan.FromSeconds(50) },
            TestContext.Current.CancellationToken);
        if (result.Outcome == VerifyOutcome.Counterexample)
        {
            var wrong = pairs.Where(p => result.Model!.Evaluate(Term.Eq(p.Raw, p.Simplified)).IsFalse).Take(5);
            Assert.Fail("unsound rewrites: " + string.Join("; ", wrong.Select(p => $"{p.Raw} ~> {p.Simplified}")) + "\n" + result.Model);
        }
        Assert.Equal(VerifyOutcome.Proved, result.Outcome);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(128)]
    public void Every_rewrite_agrees_with_the_unsimplified_term_at_random_points(int width) => AgreeAtRandomPoints(width, 5);

    [Theory]
    [Slow]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(100)]
    [InlineData(128)]
    public void Every_rewrite_agrees_with_the_unsimplified_term_at_many_points_and_widths(int width) => AgreeAtRandomPoints(width, 60);

    private static void AgreeAtRandomPoints(int width, int rounds)
    {
        var pairs = Rewrites(width).ToList();
        var random = new Random(width);
        var variables = pairs.SelectMany(p => Variables(p.Raw)).Distinct().ToList();
        for (var round = 0; round < rounds; round++)
        {
            var values = variables.ToDictionary(v => v, v => v.Sort.IsBool
                ? Term.BoolConst(random.Next(2) == 1)
                : Term.BvConst(Edge(random, v.Width), v.Width));
            var model = new Model(values);
            foreach (var (raw, simplified) in pairs)
            {
                var (expected, actual) = (model.Evaluate(raw), model.Evaluate(simplified));
                Assert.True(ReferenceEquals(expected, actual), $"{raw} ~> {simplified}: {expected} vs {actual} at\n{model}");
            }
        }
    }

    [Fact]
    public void Simplification_reaches_the_expected_normal_forms()
    {
        var x = Term.Var("sx", Sort.BitVec(8));
        var y = Term.Var("sy", Sort.BitVec(8));
        var c = Term.Var("sc", Sort.Bool);
        var zero = Term.BvConst(0UL, 8);
        Assert.Same(x, Term.Add(x, zero));
        Assert.Same(zero, Term.Sub(x, x));
        Assert.Same(Term.Add(x, y), Term.Add(y, x));
        Assert.Same(Term.Add(Term.BvConst(5UL, 8), x), Term.Add(Term.BvConst(2UL, 8), Term.Add(Term.BvConst(3UL, 8), x)));
        Assert.Same(x, Term.BvNot(Term.BvNot(x)));
        Assert.Same(Term.True, Term.Ule(x, x));
        Assert.Same(c, Term.Eq(Term.Ite(c, Term.BvConst(4UL, 8), Term.BvConst(8UL, 8)), Term.BvConst(4UL, 8)));
        Assert.Same(Term.False, Term.Eq(Term.Ite(c, Term.BvConst(4UL, 8), Term.BvConst(8UL, 8)), Term.BvConst(5UL, 8)));
        Assert.Same(x, Term.Extract(7, 0, Term.Concat(y, x)));
        Assert.Same(Term.Extract(5, 2, x), Term.Concat(Term.Extract(5, 4, x), Term.Extract(3, 2, x)));
        Assert.Same(Term.ZeroExtend(x, 8), Term.Concat(zero, x));
        Assert.Same(Term.False, Term.And(c, Term.Not(c)));
        Assert.Same(Term.Eq(x, Term.BvConst(7UL, 8)), Term.Eq(Term.Add(Term.BvConst(3UL, 8), x), Term.BvConst(10UL, 8)));
        // Shifts by constants compose, so `while (x) x >>= 1` reaches a constant 0 (through -O0's zero-extending loads).
        Assert.Same(Term.LShr(x, Term.BvConst(5UL, 8)), Term.LShr(Term.LShr(x, Term.BvConst(2UL, 8)), Term.BvConst(3UL, 8)));
        Assert.Same(zero, Term.Shl(Term.Shl(x, Term.BvConst(4UL, 8)), Term.BvConst(4UL, 8)));
        Assert.Same(Term.AShr(x, Term.BvConst(7UL, 8)), Term.AShr(Term.AShr(x, Term.BvConst(6UL, 8)), Term.BvConst(6UL, 8)));
        Assert.Same(Term.ZeroExtend(Term.LShr(x, Term.BvConst(1UL, 8)), 8), Term.LShr(Term.ZeroExtend(x, 8), Term.BvConst(1UL, 16)));
        var shifted = Enumerable.Range(0, 8).Aggregate(Term.ZeroExtend(x, 56), (v, _) => Term.LShr(Term.ZeroExtend(Term.Extract(7, 0, v), 56), Term.BvConst(1UL, 64)));
        Assert.Same(Term.BvConst(0UL, 64), shifted);
    }

    /// <summary>(unsimplified, simplified) pairs over a pool of argument shapes.</summary>
    private static IEnumerable<(Term Raw, Term Simplified)> Rewrites(int width)
    {
        var sort = Sort.BitVec(width);
        var x = Term.Var($"rx{width}", sort);
        var y = Term.Var($"ry{width}", sort);
        var c = Term.Var("rc", Sort.Bool);
        var d = Term.Var("rd", Sort.Bool);
        var k = (ulong v) => Term.BvConst(v, width);
        List<Term> pool =
        [
            x, y, k(0), k(1), Term.BvConst(BitMath.Mask(width), width), k(3), Term.BvNot(x), Term.Neg(x), Term.Add(k(3), x),
            Term.Ite(c, k(1), k(2)), Term.Mul(k(3), x), Term.BvAnd(k(5), y),
        ];
        if (width > 2)
        {
            pool.Add(Term.ZeroExtend(Term.Extract(width / 2, 0, x), width - width / 2 - 1));
        }
        foreach (var op in BinaryOps)
        {
            foreach (var a in pool)
            {
                foreach (var b in pool)
                {
                    if (op == Op.Concat && a.Width + b.Width > 256)
                    {
                        continue;
                    }
                    yield return (Term.Unsimplified(op, a, b), Build(op, a, b));
                }
            }
        }
        List<Term> bools = [c, d, Term.True, Term.False, Term.Not(c), Term.And(c, d), Term.Or(c, d), Term.Eq(x, k(1))];
        foreach (var op in BoolOps)
        {
            foreach (var a in bools)
            {
                foreach (var b in bools)
                {
                    yield return (Term.Unsimplified(op, a, b), Build(op, a, b));
                }
            }
        }
        foreach (var a in bools)
        {
            yield return (Term.Unsimplified(Op.Not, a), Term.Not(a));
            foreach (var b in bools)
            {
                yield return (Term.Unsimplified(Op.Ite, c, a, b), Term.Ite(c, a, b));
                yield return (Term.Unsimplified(Op.Ite, a, b, c), Term.Ite(a, b, c));
            }
        }
        // shifts of shifts by constants (composed), and of zero extensions
        foreach (var op in new[] { Op.BvShl, Op.BvLShr, Op.BvAShr })
        {
            foreach (var inner in new[] { Build(op, x, k(1)), Build(op, y, k(3)), Build(op, Term.ZeroExtend(Term.Extract(width / 2, 0, x), width - width / 2 - 1), k(1)) })
            {
                foreach (var amount in new[] { k(0), k(1), k(3), k((ulong)width - 1), Term.BvConst(BitMath.Mask(width), width), y })
                {
                    yield return (Term.Unsimplified(op, inner, amount), Build(op, inner, amount));
                }
            }
        }
        foreach (var a in pool)
        {
            yield return (Term.Unsimplified(Op.BvNot, a), Term.BvNot(a));
            yield return (Term.Unsimplified(Op.BvNeg, a), Term.Neg(a));
            foreach (var b in pool)
            {
                yield return (Term.Unsimplified(Op.Ite, c, a, b), Term.Ite(c, a, b));
                yield return (Term.Unsimplified(Op.Ite, Term.Not(c), a, b), Term.Ite(Term.Not(c), a, b));
                yield return (Term.Unsimplified(Op.Ite, c, Term.Ite(c, a, b), x), Term.Ite(c, Term.Ite(c, a, b), x));
            }
            for (var low = 0; low < width; low += Math.Max(1, width / 3))
            {
                for (var high = low; high < width; high += Math.Max(1, width / 3))
                {
                    yield return (Term.Unsimplified(Op.Extract, high, low, a), Term.Extract(high, low, a));
                    var inner = Term.Concat(a, y);
                    yield return (Term.Unsimplified(Op.Extract, high + width / 2, low + width / 2, inner), Term.Extract(high + width / 2, low + width / 2, inner));
                }
            }
            foreach (var bits in new[] { 0, 1, 5 })
            {
                yield return (Term.Unsimplified(Op.ZeroExtend, bits, 0, a), Term.ZeroExtend(a, bits));
                yield return (Term.Unsimplified(Op.SignExtend, bits, 0, a), Term.SignExtend(a, bits));
                var extended = Term.SignExtend(a, 2);
                yield return (Term.Unsimplified(Op.SignExtend, bits, 0, extended), Term.SignExtend(extended, bits));
                yield return (Term.Unsimplified(Op.Extract, width - 1, 0, Term.ZeroExtend(a, bits + 1)), Term.Extract(width - 1, 0, Term.ZeroExtend(a, bits + 1)));
                yield return (Term.Unsimplified(Op.Extract, width + bits, width, Term.ZeroExtend(a, bits + 1)), Term.Extract(width + bits, width, Term.ZeroExtend(a, bits + 1)));
            }
        }
    }

    private static Term Build(Op op, Term a, Term b) => op switch
    {
        Op.BvAdd => Term.Add(a, b),
        Op.BvSub => Term.Sub(a, b),
        Op.BvMul => Term.Mul(a, b),
        Op.BvAnd => Term.BvAnd(a, b),
        Op.BvOr => Term.BvOr(a, b),
        Op.BvXor => Term.BvXor(a, b),
        Op.BvUDiv => Term.UDiv(a, b),
        Op.BvSDiv => Term.SDiv(a, b),
        Op.BvURem => Term.URem(a, b),
        Op.BvSRem => Term.SRem(a, b),
        Op.BvSMod => Term.SMod(a, b),
        Op.BvShl => Term.Shl(a, b),
        Op.BvLShr => Term.LShr(a, b),
        Op.BvAShr => Term.AShr(a, b),
        Op.BvUlt => Term.Ult(a, b),
        Op.BvUle => Term.Ule(a, b),
        Op.BvSlt => Term.Slt(a, b),
        Op.BvSle => Term.Sle(a, b),
        Op.Eq => Term.Eq(a, b),
        Op.Concat => Term.Concat(a, b),
        Op.And => Term.And(a, b),
        Op.Or => Term.Or(a, b),
        _ => Term.Xor(a, b),
    };

    private static IEnumerable<Term> Variables(Term term)
    {
        if (term.Op == Op.Var)
        {
            yield return term;
        }
        foreach (var arg in term.Args.ToArray())
        {
            foreach (var variable in Variables(arg))
            {
                yield return variable;
            }
        }
    }

    private static ulong Edge(Random random, int width) => random.Next(4) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        2 => 1UL << Math.Min(63, width - 1),
        _ => (ulong)random.NextInt64(),
    };
}
