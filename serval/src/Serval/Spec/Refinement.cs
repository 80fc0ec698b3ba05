using Serval.Symbolic;

namespace Serval.Spec;

/// <summary>
/// Serval's refinement checks, as <c>verify-refinement</c> states them: from an implementation state satisfying the
/// representation invariant, one implementation step (1) has no undefined behaviour, (2) preserves the invariant, and
/// (3) moves in lock-step with the specification under the abstraction function.
/// </summary>
public static class Refinement
{
    /// <summary>The three obligations of one step.</summary>
    /// <param name="impl0">The (symbolic) implementation state before the step.</param>
    /// <param name="step">Runs the implementation step on every path.</param>
    /// <param name="abstraction">Maps an implementation state to a specification state.</param>
    /// <param name="invariant">The representation invariant.</param>
    /// <param name="spec">The specification's step.</param>
    /// <param name="equal">When two specification states are the same; returns named parts for reports.</param>
    public static IReadOnlyList<Obligation> VerifyRefinement<TImpl, TSpec>(
        TImpl impl0, Func<TImpl, StepOutcome<TImpl>> step, Func<TImpl, TSpec> abstraction, Func<TImpl, Bool> invariant,
        Func<TSpec, TSpec> spec, Func<TSpec, TSpec, IEnumerable<(string Part, Bool Same)>> equal)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(abstraction);
        ArgumentNullException.ThrowIfNull(invariant);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(equal);
        var pre = invariant(impl0);
        var expected = spec(abstraction(impl0));
        var outcome = step(impl0);
        var noBugs = outcome.Bugs.Select(b => b with { Holds = !b.Holds }).ToList();
        var preserved = outcome.Finals.Select((f, i) =>
            new Goal($"representation invariant after path {i + 1}", f.Guard.Implies(invariant(f.State)))).ToList();
        var refines = outcome.Finals.SelectMany((f, i) => equal(abstraction(f.State), expected)
            .Select(p => new Goal($"{p.Part} (path {i + 1})", f.Guard.Implies(p.Same)))).ToList();
        return
        [
            new Obligation("no undefined behaviour", pre, noBugs),
            new Obligation("representation invariant", pre, preserved),
            new Obligation("refinement", pre, refines),
        ];
    }
}
