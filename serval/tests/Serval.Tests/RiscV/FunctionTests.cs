using Serval.Binary;
using Serval.Memory;
using Serval.RiscV;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.Tests.RiscV;

/// <summary>
/// Small C functions built by clang-19, each run symbolically from its entry with symbolic arguments to its return
/// (a return address outside the image), the way a library user verifies one function of a program.
/// </summary>
public sealed class FunctionTests
{
    private const ulong ReturnAddress = 0x100;
    private const ulong StackBase = 0x7ff0_0000;
    private const ulong StackSize = 0x1000;

    [Fact(Timeout = 60_000), Integration]
    public async Task A_loop_shifting_its_argument_to_zero_ends_and_is_proved_at_O0()
    {
        // -O0 keeps x on the stack: each round loads it zero-extended (lwu) and shifts the 64-bit register, so the loop
        // ends only if the shifts of shifts fold into one shift that reaches a constant 0 after 32 rounds.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv-fn");
        var image = await BuildAsync(dir, "int bit_length(unsigned x) { int n = 0; while (x) { x >>= 1; n++; } return n; }", "-O0", token);
        var (start, execution) = Run(image, "bit_length");

        Assert.Equal(33, execution.Finals.Count);
        var x = start["a0"].Extract(31, 0);
        var expected = Enumerable.Range(0, 32).Aggregate(BitVec.Of(0, 32),
            (length, k) => BitVec.Ite((x >>> BitVec.Of((ulong)k, 32)) != 0UL, BitVec.Of((ulong)k + 1, 32), length));
        var result = execution.Finals.Skip(1).Aggregate(execution.Finals[0]["a0"], (r, f) => BitVec.Ite(f.Guard, f["a0"], r));
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify(result.Extract(31, 0) == expected, cancellationToken: token).Outcome);
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task A_counterexample_replays_from_the_start_state_the_run_was_given()
    {
        // abs(LONG_MIN) is negative; the model, applied to the state Run was given, reproduces it concretely.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv-fn");
        var image = await BuildAsync(dir, "long absolute(long x) { return x < 0 ? -x : x; }", "-O0", token);
        var (start, execution) = Run(image, "absolute");
        Assert.Equal(image.Symbol("absolute").Address, start.Pc);
        var claim = execution.Finals.Aggregate(Bool.True, (all, f) => all & f.Guard.Implies(f["a0"].Sge(BitVec.Of(0, 64))));
        var result = Sym.Verify(claim, cancellationToken: token);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        Assert.Equal(1UL << 63, result.Model!.Evaluate(start["a0"]).Value);
        var replay = new Interpreter(image).Run(start.Concretize(result.Model), s => s.Pc == ReturnAddress);
        Assert.Equal(1UL << 63, Assert.Single(replay.Finals)["a0"].Value);
    }

    /// <summary>Builds <paramref name="source"/> for RV64IMAC with clang-19 and lld (DWARF 4) and loads it.</summary>
    internal static async Task<ElfImage> BuildAsync(TempDirectory dir, string source, string optimization, CancellationToken token)
    {
        var input = dir.Combine("f.c");
        var output = dir.Combine("f.elf");
        await File.WriteAllTextAsync(input, source, token);
        var compiled = await ChildProcess.RunAsync("clang-19",
            ["--target=riscv64-unknown-elf", "-march=rv64imac", "-mabi=lp64", "-nostdlib", "-static", "-ffreestanding",
             "-fno-stack-protector", "-mno-relax", "-fuse-ld=lld", "-Wl,-e,0", "-g", "-gdwarf-4", optimization, "-o", output, input], token);
        Assert.True(compiled.ExitCode == 0, compiled.Stderr);
        return ElfImage.Load(output);
    }

    /// <summary>Runs <paramref name="function"/> from a fully symbolic state (a stack, the globals) to its return.</summary>
    private static (MachineState Start, Execution Execution) Run(ElfImage image, string function)
    {
        var regions = image.Symbols.Values.Where(s => s.IsData && s.Size > 0)
            .Select(s => MemoryRegion.Symbolic(s.Name, s.Address, s.Size))
            .Append(MemoryRegion.Symbolic("stack", StackBase, StackSize));
        var memory = new StructuredMemory(regions, (address, size) =>
        {
            Span<byte> bytes = stackalloc byte[8];
            return image.IsReadOnly(address) && image.TryRead(address, bytes[..size]) ? BitConverter.ToUInt64(bytes) : null;
        });
        var state = MachineState.Symbolic(Xlen.Rv64, image.Symbol(function).Address, Privilege.Machine, memory);
        state.Registers[1] = BitVec.Of(ReturnAddress, 64);
        state.Registers[2] = BitVec.Of(StackBase + StackSize, 64);
        var execution = new Interpreter(image) { MaxSteps = 5_000 }.Run(state, s => s.Pc == ReturnAddress);
        Assert.DoesNotContain(execution.Bugs, b => Sym.Solve(b.Condition).Status == Serval.Smt.SolverStatus.Sat);
        return (state, execution);
    }
}
