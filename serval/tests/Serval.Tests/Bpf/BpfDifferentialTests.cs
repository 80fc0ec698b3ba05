using System.Globalization;
using System.Text;
using Serval.Bpf;
using Serval.Symbolic;

namespace Serval.Tests.Bpf;

/// <summary>
/// The functions of <c>serval/samples/bpf/arith.c</c> built by clang for eBPF (ISA v1, v3 and v4) and run in our
/// interpreter, against the same functions built for the host and run as a native process, on edge values and
/// random inputs.
/// </summary>
public sealed class BpfDifferentialTests
{
    internal static readonly ulong[] EdgeValues =
    [
        0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1,
    ];

    [Theory(Timeout = 120_000), Integration]
    [InlineData("v1")]
    [InlineData("v3")]
    [InlineData("v4")]
    public async Task Every_function_agrees_with_the_host_build_on_edge_and_random_inputs(string cpu)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-diff");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("arith.c"), cpu, token);
        var functions = BpfBuild.FunctionNames(objectFile);
        Assert.Contains("mix", functions);
        Assert.Equal(cpu == "v4", functions.Contains("divide_signed"));

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var inputs = EdgeValues.SelectMany(a => EdgeValues.Select(b => (a, b)))
            .Concat(Enumerable.Range(0, 400).Select(_ => ((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), (ulong)random.NextInt64() >> random.Next(64))))
            .ToList();
        var expected = await HostResultsAsync(dir, functions, inputs, token);
        var mismatches = new List<string>();
        var k = 0;
        foreach (var function in functions)
        {
            var program = BpfProgram.Load(objectFile, function: function);
            foreach (var (a, b) in inputs)
            {
                var actual = program.Run(a, b);
                if (actual != expected[k])
                {
                    mismatches.Add($"{function}(0x{a:x}, 0x{b:x}): eBPF 0x{actual:x}, host 0x{expected[k]:x}");
                }
                k++;
            }
        }
        Assert.True(mismatches.Count == 0, $"seed {seed}, {mismatches.Count} mismatches:\n{string.Join('\n', mismatches.Take(20))}");
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task A_function_run_symbolically_matches_its_specification_for_every_input()
    {
        // compare_signed, proved over all 2^128 argument pairs against a C# specification over bitvectors.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-sym");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("arith.c"), "v3", token);
        var (a, b) = (BitVec.Var("a", 64), BitVec.Var("b", 64));
        var execution = new BpfInterpreter(BpfProgram.Load(objectFile, function: "compare_signed").Instructions)
            .Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: false), [a, b]));
        Assert.Empty(execution.Bugs);
        var specification = BitVec.Ite(a.Slt(b), a - b, BitVec.Ite(a.Sgt(b), b - a, BitVec.Of(7, 64)));
        var claim = execution.Finals.Aggregate(Bool.True, (all, f) => all & f.Guard.Implies(f.Registers[0] == specification));
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify(claim, cancellationToken: token).Outcome);

        var wrong = execution.Finals.Aggregate(Bool.True, (all, f) => all & f.Guard.Implies(f.Registers[0] == BitVec.Ite(a.Ult(b), a - b, BitVec.Ite(a.Ugt(b), b - a, BitVec.Of(7, 64)))));
        var refuted = Sym.Verify(wrong, cancellationToken: token);
        Assert.Equal(VerifyOutcome.Counterexample, refuted.Outcome);
        var (ca, cb) = (refuted.Model!.Evaluate(a).Value, refuted.Model.Evaluate(b).Value);
        Assert.Equal((long)ca < (long)cb, ca >= cb); // the model is where signed and unsigned order disagree
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task Stack_accesses_with_a_masked_index_are_proved_in_bounds_and_an_unmasked_one_is_a_bug_at_its_instruction()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-bounds");
        var source = dir.Combine("bounds.c");
        await File.WriteAllTextAsync(source, """
            typedef unsigned long long u64;
            u64 masked(u64 a, u64 b) { volatile u64 t[8]; for (int i = 0; i < 8; i++) t[i] = a + i; return t[b & 7]; }
            u64 unmasked(u64 a, u64 b) { volatile u64 t[8]; for (int i = 0; i < 8; i++) t[i] = a + i; return t[b & 15]; }
            """, token);
        var objectFile = await BpfBuild.CompileAsync(dir, source, "v3", token);
        var arguments = new[] { BitVec.Var("a", 64), BitVec.Var("b", 64) };
        foreach (var (function, inBounds) in new[] { ("masked", true), ("unmasked", false) })
        {
            var program = BpfProgram.Load(objectFile, function: function);
            var execution = new BpfInterpreter(program.Instructions).Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: false), arguments));
            var bugs = execution.Bugs.Aggregate(Bool.False, (any, bug) => any | bug.Condition);
            var result = Sym.Verify(!bugs, cancellationToken: token);
            Assert.Equal(inBounds ? VerifyOutcome.Proved : VerifyOutcome.Counterexample, result.Outcome);
            if (!inBounds)
            {
                var bug = execution.Bugs.First(b => result.Model!.Evaluate(b.Condition).IsTrue);
                Assert.Contains("not in bounds of stack", bug.Message, StringComparison.Ordinal);
                var load = program.Instructions.Single(i => i.Index == (int)bug.Pc);
                Assert.Equal(BpfClass.Ldx, load.Class);
                Assert.Contains($"at index {bug.Pc}", bug.Message, StringComparison.Ordinal);
                Assert.True((result.Model!.Evaluate(arguments[1]).Value & 15) >= 8);
            }
        }
    }

    // The host build of the functions, fed every (function, a, b) on standard input; one result per line.
    private static async Task<ulong[]> HostResultsAsync(TempDirectory dir, IReadOnlyList<string> functions, List<(ulong A, ulong B)> inputs, CancellationToken token)
    {
        var harness = dir.Combine("host.c");
        var table = string.Join(",\n", functions.Select(f => $"{{\"{f}\", {f}}}"));
        await File.WriteAllTextAsync(harness, $$"""
            #include <stdio.h>
            #include <string.h>
            #include "{{BpfBuild.SamplePath("arith.c")}}"
            static const struct { const char *name; u64 (*f)(u64, u64); } functions[] = { {{table}} };
            int main(void)
            {
                char name[64]; u64 a, b;
                while (scanf("%63s %llx %llx", name, &a, &b) == 3)
                    for (unsigned i = 0; i < sizeof functions / sizeof functions[0]; i++)
                        if (strcmp(name, functions[i].name) == 0)
                            printf("%llx\n", functions[i].f(a, b));
                return 0;
            }
            """, token);
        var host = dir.Combine("host");
        var built = await ChildProcess.RunAsync("clang-19", ["-O2", "-o", host, harness], token);
        Assert.True(built.ExitCode == 0, built.Stderr);
        var input = new StringBuilder();
        foreach (var function in functions)
        {
            foreach (var (a, b) in inputs)
            {
                input.Append(CultureInfo.InvariantCulture, $"{function} {a:x} {b:x}\n");
            }
        }
        var inputFile = dir.Combine("inputs.txt");
        await File.WriteAllTextAsync(inputFile, input.ToString(), token);
        var ran = await ChildProcess.RunAsync("sh", ["-c", $"'{host}' < '{inputFile}'"], token);
        Assert.True(ran.ExitCode == 0, ran.Stderr);
        return [.. ran.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ulong.Parse(l, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }
}
