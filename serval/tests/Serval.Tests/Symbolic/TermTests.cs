using System.Numerics;
using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

public sealed class TermTests
{
    [Fact]
    public void Building_a_term_twice_returns_the_same_node()
    {
        var x = Term.Var("tx", Sort.BitVec(32));
        var f = Function.BitVecMap("tf", 32, 8);
        Assert.Same(Term.Mul(x, Term.BvConst(3UL, 32)), Term.Mul(Term.BvConst(3UL, 32), x));
        Assert.Same(f.Apply(x), f.Apply(x));
        Assert.NotSame(f.Apply(x), Function.BitVecMap("tf", 32, 8).Apply(x));
        Assert.Same(Term.BvConst(BigInteger.One << 100, 128), Term.BvConst((BigInteger.One << 100) + (BigInteger.One << 128), 128));
        Assert.NotSame(Term.Var("same", Sort.BitVec(8)), Term.Var("same", Sort.BitVec(16)));
    }

    [Fact]
    public void Printer_shows_smt_lib_syntax()
    {
        var x = Term.Var("px", Sort.BitVec(8));
        var c = Term.Var("pc", Sort.Bool);
        var term = Term.Ite(c, Term.Add(x, Term.BvConst(1UL, 8)), Term.Extract(7, 0, Term.ZeroExtend(Term.Var("py", Sort.BitVec(3)), 5)));
        Assert.Equal("(ite pc (bvadd #x01 px) ((_ zero_extend 5) py))", term.ToString());
        Assert.Equal("#b101", Term.BvConst(5UL, 3).ToString());
        var bound = Term.Var("q", Sort.BitVec(4));
        Assert.Equal("(forall ((q (_ BitVec 4))) (bvule q #xf))", Term.ForAll([bound], Term.Unsimplified(Op.BvUle, bound, Term.BvConst(15UL, 4))).ToString());
    }

    [Fact]
    public void Model_evaluates_functions_quantifiers_and_defaults()
    {
        var x = Term.Var("mx", Sort.BitVec(8));
        var f = Function.BitVecMap("mf", 8, 8);
        var model = new Model(new Dictionary<Term, Term> { [x] = Term.BvConst(5UL, 8) },
            new Dictionary<Term, Term> { [f.Apply(Term.BvConst(5UL, 8))] = Term.BvConst(9UL, 8) });
        Assert.Same(Term.BvConst(10UL, 8), model.Evaluate(Term.Add(f.Apply(x), Term.BvConst(1UL, 8))));
        Assert.Same(Term.BvConst(0UL, 8), model.Evaluate(f.Apply(Term.BvConst(6UL, 8))));
        Assert.Same(Term.BvConst(0UL, 8), model.Evaluate(Term.Var("unassigned", Sort.BitVec(8))));
        var q = Term.Fresh("q", Sort.BitVec(8));
        Assert.True(model.Evaluate(Term.ForAll([q], Term.Ule(Term.BvAnd(q, x), q))).IsTrue);
        Assert.True(model.Evaluate(Term.Exists([q], Term.Eq(Term.Add(q, x), Term.BvConst(0UL, 8)))).IsTrue);
        Assert.True(model.Evaluate(Term.ForAll([q], Term.Ult(q, x))).IsFalse);
    }

    [Fact]
    public void Substitution_rebuilds_and_simplifies()
    {
        var x = Term.Var("ux", Sort.BitVec(16));
        var y = Term.Var("uy", Sort.BitVec(16));
        var term = Term.Mul(Term.Add(x, y), Term.Sub(x, y));
        var result = TermRewriter.Substitute(term, new Dictionary<Term, Term> { [y] = x });
        Assert.Same(Term.BvConst(0UL, 16), result);
    }

    [Fact]
    public void Split_turns_an_ite_tree_into_a_union_of_concrete_values()
    {
        var c = Bool.Var("split-c");
        var d = Bool.Var("split-d");
        var pc = BitVec.Ite(c, BitVec.Of(4UL, 64), BitVec.Ite(d, BitVec.Of(8UL, 64), BitVec.Of(4UL, 64)));
        var union = Union.Split(pc);
        Assert.Equal(2, union.Count);
        Assert.All(union.Members, m => Assert.True(m.Value.IsConcrete));
        var sum = Sym.ForAll(union, v => v + BitVec.Of(1UL, 64));
        var model = new Model(new Dictionary<Term, Term> { [c.ToTerm()] = Term.False, [d.ToTerm()] = Term.True });
        Assert.Equal(9UL, model.Evaluate(sum).Value);
    }
}
