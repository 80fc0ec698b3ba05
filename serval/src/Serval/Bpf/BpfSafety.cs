using System.Globalization;
using System.Text;
using Serval.RiscV;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>The verdict on one program's memory safety, with a readable report for a counterexample.</summary>
/// <param name="Outcome">Proved (no bad access for any argument, stack or map contents), counterexample, or unknown.</param>
/// <param name="Report">For a counterexample: the bad access, its instruction, and the inputs; for unknown: why.</param>
/// <param name="Paths">How many paths reached <c>exit</c>.</param>
/// <param name="Confirmed">Whether a concrete run from the counterexample's values makes the same bad access.</param>
public sealed record BpfSafetyResult(VerifyOutcome Outcome, string Report, int Paths, bool Confirmed = false);

/// <summary>
/// Serval's BPF verifier use: run a program on symbolic arguments (r1..r5), a symbolic stack and symbolic map
/// values, and prove that no path makes an out-of-bounds or misaligned access (every <see cref="Bug"/> refuted).
/// </summary>
public static class BpfSafety
{
    /// <summary>Proves <paramref name="program"/> memory-safe for all values of its first <paramref name="arguments"/> arguments.</summary>
    public static BpfSafetyResult Verify(BpfProgram program, int arguments, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        var inputs = Enumerable.Range(1, arguments).Select(k => BitVec.Var($"r{k}", 64)).ToArray();
        var start = program.Start(inputs, zeroed: false);
        BpfExecution execution;
        try
        {
            execution = program.Interpreter().Run(start);
        }
        catch (UnsupportedInstructionException e)
        {
            return new BpfSafetyResult(VerifyOutcome.Unknown, $"cannot verify: {e.Message}", 0);
        }
        var anyBug = execution.Bugs.Aggregate(Bool.False, (any, b) => any | b.Condition);
        var result = Sym.Verify(!anyBug, options, cancellationToken);
        if (result.Outcome != VerifyOutcome.Counterexample)
        {
            return new BpfSafetyResult(result.Outcome, result.Outcome == VerifyOutcome.Unknown ? $"solver gave no answer ({result.Reason})" : "", execution.Finals.Count);
        }
        var model = result.Model!;
        var text = new StringBuilder();
        foreach (var bug in execution.Bugs.Where(b => model.Evaluate(b.Condition).IsTrue).Take(4))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"undefined behaviour: {bug.Message}");
        }
        text.AppendLine("inputs: " + (inputs.Length == 0 ? "none" : string.Join(", ", inputs.Select((a, k) => $"r{k + 1} = 0x{model.Evaluate(a).Value:x}"))));
        bool confirmed;
        try
        {
            confirmed = program.Interpreter().Run(start.Concretize(model)).Bugs.Any(b => b.Condition.IsTrue);
        }
        catch (UnsupportedInstructionException)
        {
            confirmed = false;
        }
        text.AppendLine(confirmed ? "confirmed: a concrete run from these values makes the same bad access" : "NOT confirmed by a concrete run");
        return new BpfSafetyResult(VerifyOutcome.Counterexample, text.ToString(), execution.Finals.Count, confirmed);
    }
}
