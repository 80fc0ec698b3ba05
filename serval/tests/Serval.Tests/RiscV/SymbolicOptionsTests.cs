using Serval.Binary;
using Serval.Memory;
using Serval.Profiling;
using Serval.RiscV;
using Serval.Symbolic;
using Serval.Verification;
using Systems.RiscV;

namespace Serval.Tests.RiscV;

/// <summary>Serval's symbolic optimizations: each switch changes the shape of the evaluation, never the answer.</summary>
public sealed class SymbolicOptionsTests
{
    // bltu a0, a1, +8 ; addi a2, zero, 1 ; addi a2, a2, 2 ; mret
    private static readonly uint[] Diamond = [0x00B56463u, 0x00100613u, 0x00260613u, 0x30200073u];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Split_pc_forks_paths_and_without_it_they_merge_with_the_same_meaning(bool splitPc)
    {
        var image = InterpreterTests.TinyImage(Diamond);
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        state.Csrs[CsrNumber.Mstatus] = BitVec.Of(3UL << 11, 64);
        state.Csrs[CsrNumber.Mepc] = BitVec.Of(0x4000, 64);
        var execution = new Interpreter(image) { Options = new SymbolicOptions(SplitPc: splitPc) }.Run(state, s => s.Returns > 0);
        Assert.Equal(2, execution.Finals.Count);
        // Forked paths hold plain values; merged ones carry if-then-else terms over the other path's values.
        Assert.Equal(!splitPc, execution.Finals.Any(f => f["a2"].ToTerm().Op == Op.Ite));
        var (a0, a1, a2) = (BitVec.Var("a0", 64), BitVec.Var("a1", 64), BitVec.Var("a2", 64));
        var expected = BitVec.Ite(a0.Ult(a1), a2 + 2UL, BitVec.Of(3, 64));
        var claim = execution.Finals.Aggregate(Bool.True, (all, f) => all & f.Guard.Implies(f["a2"] == expected));
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify(claim, cancellationToken: TestContext.Current.CancellationToken).Outcome);
    }

    [Fact(Timeout = 120_000), Integration]
    public void Split_cases_forks_a_path_per_dictionary_entry_and_proves_and_refutes_the_same()
    {
        var token = TestContext.Current.CancellationToken;
        using var cache = new TempDirectory("toymon-symopts");
        var sources = RepositoryPaths.Combine("serval", "samples", "toymon");
        var options = new SymbolicOptions(SplitCases: true, KillJalrMask: false);
        var good = new Verification.Toymon(ElfImage.Load(ToymonBuild.Build(sources, Compiler.Gcc, 0, InjectedBug.None, cache.Path)), MemoryModel.Structured, options);
        var bounds = new Verification.Toymon(ElfImage.Load(ToymonBuild.Build(sources, Compiler.Gcc, 0, InjectedBug.Bounds, cache.Path)), MemoryModel.Structured, options);
        using var profiler = Profiler.Start();
        var proved = Assert.Single(Verifier.Run(good.Image, [.. good.Checks().Where(c => c.Name == "dict_get refinement")], new VerifierOptions(1, null), token));
        var refuted = Assert.Single(Verifier.Run(bounds.Image, [.. bounds.Checks().Where(c => c.Name == "dict_get refinement")], new VerifierOptions(1, null), token));
        profiler.Dispose();
        Assert.True(proved.Outcome == VerifyOutcome.Proved, proved.Report);
        Assert.Equal(VerifyOutcome.Counterexample, refuted.Outcome);
        Assert.True(refuted.Confirmed, refuted.Report);
        Assert.Contains("not in bounds of dictionary", refuted.Report, StringComparison.Ordinal);
        // One path per entry (4) plus the out-of-range case, against 2 paths (in range or not) with split-cases off.
        Assert.True(profiler.Entry("dict_get refinement")!.Paths >= 5, profiler.ToTable());
    }
}
