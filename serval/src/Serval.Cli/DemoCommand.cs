using System.CommandLine;
using System.Diagnostics;
using Serval.Profiling;
using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Cli;

/// <summary>
/// <c>serval demo</c>: a tour that runs the real thing. Each step is a titled action printing what it did; the
/// steps run in order and the demo fails (exit 1) if a step's claim does not hold.
/// </summary>
internal static class DemoCommand
{
    /// <summary>
    /// The tour. The symbolic core's steps come first; the verifier's steps (the toy monitor) are added after them,
    /// here, as further entries.
    /// </summary>
    private static readonly (string Title, Func<TextWriter, CancellationToken, bool> Run)[] Steps =
    [
        ("Symbolic core: prove a bitvector identity on all 2^128 inputs", ProveIdentity),
        ("Symbolic core: refute a false identity; check the counterexample concretely", RefuteIdentity),
        ("Symbolic core: lift a tiny interpreter, merge its paths, find a bug, prove the fix", LiftInterpreter),
        ("RISC-V verifier: build the tutorial's toy monitor with gcc and prove it (serval verify toymon)", ToymonDemo.ProveMonitor),
        ("RISC-V verifier: remove a bounds check, get the out-of-bounds report (--inject bounds)", ToymonDemo.CatchMissingBoundsCheck),
        ("RISC-V verifier: drop the store in dict_set, see specification and implementation side by side (--inject lost-store)", ToymonDemo.CatchLostStore),
        ("RISC-V verifier: leak another user's entry, see the two states that tell it (--inject leak)", ToymonDemo.CatchLeak),
    ];

    public static Command Create()
    {
        var demo = new Command("demo", "A tour of Serval on real solvers: proofs, counterexamples, a lifted interpreter.");
        demo.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            var ok = true;
            for (var i = 0; i < Steps.Length; i++)
            {
                output.WriteLine($"== {i + 1}. {Steps[i].Title}");
                var clock = Stopwatch.StartNew();
                var passed = Steps[i].Run(output, token);
                output.WriteLine($"   {(passed ? "ok" : "FAILED")} ({clock.Elapsed.TotalSeconds:F2} s)");
                output.WriteLine();
                ok &= passed;
            }
            return ok ? 0 : 1;
        }, token));
        return demo;
    }

    private static bool ProveIdentity(TextWriter output, CancellationToken token)
    {
        var x = BitVec.Fresh("x", 64);
        var y = BitVec.Fresh("y", 64);
        var claim = ((x ^ y) + ((x & y) << 1)) == x + y;
        output.WriteLine($"   claim: (x ^ y) + ((x & y) << 1) == x + y over 64 bits, i.e. {claim}");
        foreach (var solver in new[] { "z3", "cvc5", "boolector" })
        {
            using var backend = SolverPool.Create(solver);
            var result = Sym.Verify(claim, new VerifyOptions { Solver = backend, Timeout = TimeSpan.FromSeconds(30) }, token);
            output.WriteLine($"   {solver,-9} {result.Outcome} in {result.Solver?.Elapsed.TotalMilliseconds:F0} ms");
            if (!result.IsProved)
            {
                return false;
            }
        }
        var wide = BitVec.Fresh("w", 128);
        var rotation = wide.RotateLeft(BitVec.Of(13UL, 128)).RotateRight(BitVec.Of(13UL, 128)) == wide;
        var proved = Sym.Verify(rotation, new VerifyOptions { Timeout = TimeSpan.FromSeconds(30) }, token);
        output.WriteLine($"   128-bit: rotr(rotl(w, 13), 13) == w: {proved.Outcome}");
        return proved.IsProved;
    }

    private static bool RefuteIdentity(TextWriter output, CancellationToken token)
    {
        var x = BitVec.Fresh("x", 32);
        var y = BitVec.Fresh("y", 32);
        // The classic midpoint bug: (x + y) / 2 overflows; (x & y) + ((x ^ y) >> 1) does not.
        var claim = (x + y) >>> 1 == (x & y) + ((x ^ y) >>> 1);
        output.WriteLine("   claim: (x + y) >>> 1 == (x & y) + ((x ^ y) >>> 1) over 32 bits (unsigned midpoint)");
        var result = Sym.Verify(claim, new VerifyOptions { Timeout = TimeSpan.FromSeconds(30) }, token);
        if (result.Outcome != VerifyOutcome.Counterexample)
        {
            output.WriteLine($"   expected a counterexample, got {result}");
            return false;
        }
        var (cx, cy) = (result.Model!.Evaluate(x), result.Model.Evaluate(y));
        output.WriteLine($"   counterexample: x = {cx}, y = {cy}");
        // Concrete evaluation of the same expression with the model's values, on the concrete fast path.
        var left = (cx + cy) >>> 1;
        var right = (cx & cy) + ((cx ^ cy) >>> 1);
        output.WriteLine($"   concretely: left = {left}, right = {right}; plain ulong: {((cx.Value + cy.Value) & 0xffffffff) >> 1:x8} vs {(cx.Value + cy.Value) >> 1:x8}");
        return !(left == right).Value;
    }

    private static bool LiftInterpreter(TextWriter output, CancellationToken token)
    {
        // abs(r1) on a four-instruction register machine: bltz r1, 3; halt; (3:) sub r1, r0, r1; halt.
        Instruction[] program = [new(Opcode.Bltz, 1, 0, 2), new(Opcode.Halt, 0, 0, 0), new(Opcode.Sub, 1, 0, 1), new(Opcode.Halt, 0, 0, 0)];
        output.WriteLine("   program: 0: bltz r1, 2   1: halt   2: sub r1, r0, r1   3: halt   (r1 := |r1|)");
        var concrete = new CowArray<BitVec>(4, BitVec.Of(0UL, 32)) { [1] = BitVec.Of(unchecked((ulong)-7L), 32) };
        output.WriteLine($"   concrete run, r1 = -7: r1 = {Run(program, 0, concrete)[1].SignedValue}");

        var input = BitVec.Fresh("r1", 32);
        using var profiler = Profiler.Start();
        var buggy = Sym.Verify(() =>
        {
            var final = Run(program, 0, new CowArray<BitVec>(4, BitVec.Of(0UL, 32)) { [1] = input });
            output.WriteLine($"   symbolic run: r1 = {final[1]}");
            Sym.Assert(final[1].Sge(BitVec.Of(0UL, 32)), "abs is non-negative");
        }, new VerifyOptions { Timeout = TimeSpan.FromSeconds(30) }, token);
        if (buggy.Outcome != VerifyOutcome.Counterexample)
        {
            return false;
        }
        output.WriteLine($"   spec |r1| >= 0: counterexample r1 = {buggy.Model!.Evaluate(input)} ({string.Join("; ", buggy.Violated)})");
        var fixedSpec = Sym.Verify(() =>
        {
            var final = Run(program, 0, new CowArray<BitVec>(4, BitVec.Of(0UL, 32)) { [1] = input });
            Sym.Assert(final[1].Sge(BitVec.Of(0UL, 32)) | (input == BitVec.Of(0x80000000UL, 32)), "abs is non-negative except for INT_MIN");
        }, new VerifyOptions { Timeout = TimeSpan.FromSeconds(30) }, token);
        output.WriteLine($"   spec |r1| >= 0 unless r1 = INT_MIN: {fixedSpec.Outcome}");
        output.WriteLine("   profile:");
        foreach (var line in profiler.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine("     " + line);
        }
        return fixedSpec.IsProved;
    }

    private enum Opcode
    {
        Halt,
        Sub,
        Bltz,
    }

    private readonly record struct Instruction(Opcode Op, int A, int B, int C);

    // Written once: runs concretely when the registers are concrete (one branch), symbolically (both, merged) otherwise.
    private static CowArray<BitVec> Run(Instruction[] program, int pc, CowArray<BitVec> registers)
    {
        while (true)
        {
            var instruction = program[pc];
            switch (instruction.Op)
            {
                case Opcode.Halt:
                    return registers;
                case Opcode.Sub:
                    registers[instruction.A] = registers[instruction.B] - registers[instruction.C];
                    pc++;
                    break;
                default:
                    var (taken, next) = (instruction.C, pc + 1);
                    return Sym.If(registers[instruction.A].Slt(BitVec.Of(0UL, 32)),
                        () => Run(program, taken, registers.Fork()),
                        () => Run(program, next, registers.Fork()));
            }
        }
    }
}
