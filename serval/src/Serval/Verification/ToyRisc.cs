using Serval.Spec;
using Serval.Symbolic;

namespace Serval.Verification;

/// <summary>ToyRISC's five operations (the SOSP 2019 artifact's teaching ISA).</summary>
public enum ToyOp
{
    /// <summary>Stop.</summary>
    Ret,

    /// <summary>Jump to the immediate if register rs is non-zero.</summary>
    Bnez,

    /// <summary>rd = rs &gt; 0 (signed).</summary>
    Sgtz,

    /// <summary>rd = rs &lt; 0 (signed).</summary>
    Sltz,

    /// <summary>rd = immediate.</summary>
    Li,
}

/// <summary>One ToyRISC instruction.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Rd">The destination register.</param>
/// <param name="Rs">The source register.</param>
/// <param name="Imm">The immediate (jump target or value).</param>
public readonly record struct ToyInstruction(ToyOp Op, int Rd = 0, int Rs = 0, long Imm = 0);

/// <summary>A ToyRISC machine state: program counter and two 64-bit registers.</summary>
/// <param name="Pc">The program counter (concrete on every path: split-pc).</param>
/// <param name="A0">Register 0.</param>
/// <param name="A1">Register 1.</param>
public sealed record ToyState(int Pc, BitVec A0, BitVec A1)
{
    /// <summary>Register <paramref name="index"/>.</summary>
    public BitVec this[int index] => index == 0 ? A0 : A1;

    /// <summary>This state with register <paramref name="index"/> replaced.</summary>
    public ToyState With(int index, BitVec value) => index == 0 ? this with { A0 = value } : this with { A1 = value };
}

/// <summary>
/// ToyRISC, the artifact's smallest example of lifting an interpreter into a verifier: an interpreter for five
/// instructions, the sign program, and its refinement proof against the specification a0 := sign(a0).
/// </summary>
public static class ToyRisc
{
    /// <summary>The sign program: a0 := -1, 0 or 1 by the sign of a0 (the artifact's listing).</summary>
    public static readonly ToyInstruction[] SignProgram =
    [
        new(ToyOp.Sltz, 1, 0),
        new(ToyOp.Bnez, Rs: 1, Imm: 4),
        new(ToyOp.Sgtz, 0, 0),
        new(ToyOp.Ret),
        new(ToyOp.Li, 0, Imm: -1),
        new(ToyOp.Ret),
    ];

    /// <summary>Runs <paramref name="program"/> on every path until ret; a PC leaving the program is a bug.</summary>
    public static StepOutcome<ToyState> Run(IReadOnlyList<ToyInstruction> program, ToyState start)
    {
        ArgumentNullException.ThrowIfNull(program);
        var finals = new List<(Bool, ToyState)>();
        var bugs = new List<Goal>();
        var work = new Stack<(Bool Guard, ToyState State, int Fuel)>();
        work.Push((Bool.True, start, 1000));
        while (work.Count > 0)
        {
            var (guard, s, fuel) = work.Pop();
            if (s.Pc < 0 || s.Pc >= program.Count || fuel == 0)
            {
                bugs.Add(new Goal($"pc {s.Pc} outside the program or out of fuel", guard, (ulong)s.Pc));
                continue;
            }
            var i = program[s.Pc];
            var one = BitVec.Of(1, 64);
            var zero = BitVec.Of(0, 64);
            switch (i.Op)
            {
                case ToyOp.Ret:
                    finals.Add((guard, s));
                    break;
                case ToyOp.Bnez:
                    var taken = s[i.Rs] != 0UL;
                    if (!taken.IsFalse)
                    {
                        work.Push((guard & taken, s with { Pc = (int)i.Imm }, fuel - 1));
                    }
                    if (!taken.IsTrue)
                    {
                        work.Push((guard & !taken, s with { Pc = s.Pc + 1 }, fuel - 1));
                    }
                    break;
                case ToyOp.Sgtz:
                    work.Push((guard, s.With(i.Rd, BitVec.Ite(s[i.Rs].Sgt(zero), one, zero)) with { Pc = s.Pc + 1 }, fuel - 1));
                    break;
                case ToyOp.Sltz:
                    work.Push((guard, s.With(i.Rd, BitVec.Ite(s[i.Rs].Slt(zero), one, zero)) with { Pc = s.Pc + 1 }, fuel - 1));
                    break;
                default:
                    work.Push((guard, s.With(i.Rd, BitVec.Of((ulong)i.Imm, 64)) with { Pc = s.Pc + 1 }, fuel - 1));
                    break;
            }
        }
        return new StepOutcome<ToyState>(finals, bugs);
    }

    /// <summary>The specification: a0 := sign(a0).</summary>
    public static BitVec Sign(BitVec x) =>
        BitVec.Ite(x.Slt(BitVec.Of(0, 64)), BitVec.Of(ulong.MaxValue, 64), BitVec.Ite(x == 0UL, BitVec.Of(0, 64), BitVec.Of(1, 64)));

    /// <summary>
    /// Proves <paramref name="program"/> against the specification; returns one line per obligation and, for a
    /// counterexample, the initial a0, what the program computes from it (replayed concretely) and what the
    /// specification says. The second value is the overall outcome.
    /// </summary>
    public static (IReadOnlyList<string> Lines, VerifyOutcome Outcome) Verify(IReadOnlyList<ToyInstruction> program, VerifyOptions? options,
        CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var outcome = VerifyOutcome.Proved;
        foreach (var obligation in Obligations(program))
        {
            var result = Sym.Verify(obligation.Claim, options, cancellationToken);
            lines.Add($"{obligation.Kind,-28} {result.Outcome}");
            if (result.Outcome == VerifyOutcome.Counterexample)
            {
                var a0 = result.Model!.Evaluate(BitVec.Var("a0", 64));
                var replay = Run(program, new ToyState(0, a0, result.Model.Evaluate(BitVec.Var("a1", 64))));
                var finals = string.Join(", ", replay.Finals.Select(f => $"a0 = {f.State.A0.SignedValue} (pc {f.State.Pc})"));
                lines.Add($"  initial a0 = {a0.SignedValue}; implementation: {finals}; specification: a0 = {Sign(a0).SignedValue}");
            }
            outcome = result.Outcome == VerifyOutcome.Proved ? outcome
                : outcome == VerifyOutcome.Counterexample || result.Outcome == VerifyOutcome.Counterexample ? VerifyOutcome.Counterexample
                : VerifyOutcome.Unknown;
        }
        return (lines, outcome);
    }

    /// <summary>The refinement obligations of <paramref name="program"/> against the sign specification.</summary>
    public static IReadOnlyList<Obligation> Obligations(IReadOnlyList<ToyInstruction> program) =>
        Refinement.VerifyRefinement(new ToyState(0, BitVec.Var("a0", 64), BitVec.Var("a1", 64)), s => Run(program, s),
            s => s.A0, _ => Bool.True, Sign, (a, b) => [("a0", a == b)]);
}
