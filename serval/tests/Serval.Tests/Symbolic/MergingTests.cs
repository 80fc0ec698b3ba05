using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

public sealed class MergingTests
{
    [Fact]
    public void A_concrete_condition_runs_one_branch_only()
    {
        var ran = new List<string>();
        var result = Sym.If(BitVec.Of(3UL, 8).Ult(BitVec.Of(4UL, 8)), () =>
        {
            ran.Add("then");
            return BitVec.Of(1UL, 8);
        }, () =>
        {
            ran.Add("else");
            return BitVec.Of(2UL, 8);
        });
        Assert.Equal(["then"], ran);
        Assert.Equal(1UL, result.Value);
    }

    [Fact]
    public void A_symbolic_condition_runs_both_branches_under_their_path_conditions_and_merges()
    {
        var x = BitVec.Fresh("mx", 8);
        var seen = new List<Bool>();
        var result = Sym.If(x.Ult(BitVec.Of(10UL, 8)), () =>
        {
            seen.Add(Sym.PathCondition);
            return x + BitVec.Of(1UL, 8);
        }, () =>
        {
            seen.Add(Sym.PathCondition);
            return BitVec.Of(0UL, 8);
        });
        Assert.Equal(2, seen.Count);
        Assert.Equal("(bvult mx$", seen[0].ToString()[..10]);
        Assert.True(Sym.PathCondition.IsTrue);
        var model = new Model(new Dictionary<Term, Term> { [x.ToTerm()] = Term.BvConst(4UL, 8) });
        Assert.Equal(5UL, model.Evaluate(result).Value);
    }

    [Fact]
    public void Assertions_are_guarded_by_the_path_condition_and_failed_branches_are_dropped()
    {
        var x = BitVec.Fresh("ax", 8);
        var (result, vc) = Sym.WithVc(() => Sym.If(x == BitVec.Of(0UL, 8),
            () =>
            {
                Sym.Assert(Bool.False, "never zero", new Location(0x80000010, "main.c", 7));
                return BitVec.Of(1UL, 8);
            },
            () => BitVec.Of(2UL, 8)));
        Assert.Equal(2UL, result.Value);
        var assertion = Assert.Single(vc.Assertions);
        Assert.Equal("never zero at pc 0x80000010, main.c:7", assertion.ToString());
        var atZero = new Model(new Dictionary<Term, Term> { [x.ToTerm()] = Term.BvConst(0UL, 8) });
        Assert.True(atZero.Evaluate(assertion.Condition).IsFalse);
        Assert.DoesNotContain(Sym.Current.Assertions, a => a.Message == "never zero");
    }

    [Fact]
    public void Mutable_state_is_forked_per_branch_and_merged_field_by_field()
    {
        var c = Bool.Fresh("sc");
        var registers = new CowArray<BitVec>(4, BitVec.Of(0UL, 16));
        registers[3] = BitVec.Of(7UL, 16);
        Sym.If(c, registers, () => registers[1] = BitVec.Of(10UL, 16), () => registers[2] = BitVec.Of(20UL, 16));
        Assert.True(registers[0].IsConcrete);
        Assert.Equal(7UL, registers[3].Value);
        var whenTrue = new Model(new Dictionary<Term, Term> { [c.ToTerm()] = Term.True });
        var whenFalse = new Model(new Dictionary<Term, Term> { [c.ToTerm()] = Term.False });
        Assert.Equal(10UL, whenTrue.Evaluate(registers[1]).Value);
        Assert.Equal(0UL, whenTrue.Evaluate(registers[2]).Value);
        Assert.Equal(0UL, whenFalse.Evaluate(registers[1]).Value);
        Assert.Equal(20UL, whenFalse.Evaluate(registers[2]).Value);
    }

    [Fact]
    public void Forked_arrays_do_not_see_each_others_writes()
    {
        var a = new CowArray<BitVec>(2, BitVec.Of(0UL, 8));
        var b = a.Fork();
        b[0] = BitVec.Of(1UL, 8);
        a[1] = BitVec.Of(2UL, 8);
        Assert.Equal(0UL, a[0].Value);
        Assert.Equal(0UL, b[1].Value);
    }

    [Fact]
    public void Unmergeable_values_that_differ_are_rejected_with_a_hint()
    {
        var c = Bool.Fresh("uc");
        var error = Assert.Throws<MergeException>(() => Sym.If(c, () => "left", () => "right"));
        Assert.Contains("Union<String>", error.Message, StringComparison.Ordinal);
        Assert.Equal("same", Sym.If(c, () => "same", () => "same"));
        var union = Sym.If(c, () => Union.Of("left"), () => Union.Of("right"));
        Assert.Equal(2, union.Count);
    }

    [Fact]
    public void Memory_reads_back_writes_at_concrete_and_symbolic_addresses()
    {
        var memory = SymbolicMemory.Uninterpreted("mem", 32, 8);
        var a = BitVec.Fresh("addr", 32);
        var written = memory.Write(BitVec.Of(0x100UL, 32), BitVec.Of(0xabUL, 8)).Write(a, BitVec.Of(0xcdUL, 8));
        Assert.True(memory.Read(BitVec.Of(0x100UL, 32)).IsSymbolic);
        var elsewhere = new Model(new Dictionary<Term, Term> { [a.ToTerm()] = Term.BvConst(0x200UL, 32) });
        var there = new Model(new Dictionary<Term, Term> { [a.ToTerm()] = Term.BvConst(0x100UL, 32) });
        Assert.Equal(0xabUL, elsewhere.Evaluate(written.Read(BitVec.Of(0x100UL, 32))).Value);
        Assert.Equal(0xcdUL, there.Evaluate(written.Read(BitVec.Of(0x100UL, 32))).Value);
        Assert.Equal(0xcdUL, elsewhere.Evaluate(written.Read(a)).Value);
        var concrete = SymbolicMemory.Filled(32, BitVec.Of(0UL, 8)).Write(BitVec.Of(4UL, 32), BitVec.Of(1UL, 8));
        Assert.Equal(1UL, concrete.Read(BitVec.Of(4UL, 32)).Value);
        Assert.Equal(0UL, concrete.Read(BitVec.Of(5UL, 32)).Value);
    }
}
