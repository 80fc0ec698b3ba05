using Serval.Bpf;
using Serval.Symbolic;

namespace Serval.Tests.Bpf;

/// <summary>The eBPF-to-RV64 JIT: its encodings, whole programs run against the eBPF interpreter, and the per-instruction checker.</summary>
public sealed class JitCheckerTests
{
    [Theory]
    [InlineData("ALU ADD X")]
    [InlineData("ALU DIV X")]
    [InlineData("ALU SMOD K")]
    [InlineData("ALU64 LSH K")]
    [InlineData("ALU TO_BE32")]
    [InlineData("JMP32 JSGT K")]
    [InlineData("JMP JSET X")]
    [InlineData("LD IMM64")]
    [InlineData("STX ATOMIC XCHG W")]
    [InlineData("LDX MEMSX H")]
    public void A_form_of_the_correct_JIT_is_proved(string name)
    {
        var form = JitChecker.Forms().Single(f => f.Name == name);
        Assert.NotEmpty(form.Instances);
        var result = JitChecker.Check(new RiscVJit(), form, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.Outcome == VerifyOutcome.Proved, result.Report);
    }

    [Fact(Timeout = 1_200_000), Slow]
    public void Every_form_of_the_correct_JIT_is_proved()
    {
        var results = JitChecker.CheckAll(new RiscVJit(), JitChecker.Forms(), new Verification.VerifierOptions(Environment.ProcessorCount, null),
            TestContext.Current.CancellationToken);
        Assert.All(results, r => Assert.True(r.Outcome == VerifyOutcome.Proved, $"{r.Name}: {r.Report}"));
    }

    [Fact(Timeout = 1_200_000), Slow]
    public void Every_immediate_form_is_proved_for_random_immediates_too()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var immediates = Enumerable.Range(0, 12).Select(k => random.Next(int.MinValue, int.MaxValue) >> random.Next(32)).ToArray();
        var forms = JitChecker.Forms(enumerate: true, immediates).Where(f => f.Name.EndsWith(" K", StringComparison.Ordinal) || f.Name.StartsWith("ST ", StringComparison.Ordinal)).ToList();
        Assert.True(forms.Count > 40);
        var results = JitChecker.CheckAll(new RiscVJit(), forms, new Verification.VerifierOptions(Environment.ProcessorCount, null), TestContext.Current.CancellationToken);
        Assert.All(results, r => Assert.True(r.Outcome == VerifyOutcome.Proved, $"seed {seed}, immediates {string.Join(", ", immediates)}: {r.Name}: {r.Report}"));
    }

    [Theory]
    [InlineData(JitBug.Alu32Zext, "ALU ADD X", "r1 (a0) differs")]
    [InlineData(JitBug.ImmZext, "ALU64 ADD K", "r1 (a0) differs")]
    [InlineData(JitBug.Shift32ByZero, "ALU LSH K", "imm 0 (0x0)")]
    [InlineData(JitBug.SubImmRange, "ALU64 SUB K", "imm 2049 (0x801)")]
    public void An_injected_Linux_JIT_bug_gives_a_confirmed_readable_counterexample(JitBug bug, string name, string what)
    {
        var form = JitChecker.Forms().Single(f => f.Name == name);
        var result = JitChecker.Check(new RiscVJit { Bug = bug }, form, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        Assert.True(result.Confirmed, result.Report);
        Assert.Contains(what, result.Report, StringComparison.Ordinal);
        Assert.Contains("inputs: r1 = 0x", result.Report, StringComparison.Ordinal);
        Assert.Contains("eBPF r1 = 0x", result.Report, StringComparison.Ordinal);
        Assert.Contains("RV64 a0 = 0x", result.Report, StringComparison.Ordinal);
        Assert.Contains(name.Split(' ')[0], result.Report, StringComparison.Ordinal);
        // the correct JIT proves the same form
        Assert.Equal(VerifyOutcome.Proved, JitChecker.Check(new RiscVJit(), form, cancellationToken: TestContext.Current.CancellationToken).Outcome);
    }

    [Fact]
    public void Symbolic_immediates_find_an_off_by_one_the_enumerated_ones_miss()
    {
        var jit = new RiscVJit { Bug = JitBug.SubImmRange };
        var enumerated = JitChecker.Forms(enumerate: true).Single(f => f.Name == "ALU64 SUB K");
        Assert.All(enumerated.Instances, i => Assert.Null(i.Fields));
        Assert.Equal(VerifyOutcome.Proved, JitChecker.Check(jit, enumerated, cancellationToken: TestContext.Current.CancellationToken).Outcome);
        var symbolic = JitChecker.Forms().Single(f => f.Name == "ALU64 SUB K");
        Assert.Equal("imm", symbolic.SymbolicFields);
        var result = JitChecker.Check(jit, symbolic, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        Assert.True(result.Confirmed, result.Report);
        Assert.Contains("'r1 -= 2049'", result.Report, StringComparison.Ordinal);
        Assert.Contains("the JIT emits code it cannot encode", result.Report, StringComparison.Ordinal);
        Assert.Contains("confirmed: the JIT cannot compile it", result.Report, StringComparison.Ordinal);
    }

    [Fact]
    public void Immediates_and_memory_offsets_are_symbolic_jump_offsets_and_ld_imm64_enumerated()
    {
        var forms = JitChecker.Forms();
        Assert.Equal(155, forms.Count);
        Assert.Equal("imm", forms.Single(f => f.Name == "JMP JSGT K").SymbolicFields);
        Assert.Equal("offset", forms.Single(f => f.Name == "LDX MEM DW").SymbolicFields);
        Assert.Equal("imm, offset", forms.Single(f => f.Name == "ST MEM B").SymbolicFields);
        Assert.Equal("", forms.Single(f => f.Name == "LD IMM64").SymbolicFields);
        Assert.Equal("", forms.Single(f => f.Name == "JMP JA").SymbolicFields);
        Assert.Equal("imm64", JitChecker.Forms(symbolicImm64: true).Single(f => f.Name == "LD IMM64").SymbolicFields);
        Assert.Equal("imm", forms.Single(f => f.Name == "ALU64 MUL K").SymbolicFields);
        Assert.Equal(85, forms.Count(f => f.SymbolicFields.Length > 0));
    }
}
