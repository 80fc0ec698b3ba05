using Serval.Symbolic;

namespace Serval.Spec;

/// <summary>
/// Nickel-style noninterference by unwinding: step consistency, weak step consistency and local respect, each over
/// an observer's equivalence relation on states.
/// </summary>
public static class Noninterference
{
    /// <summary>
    /// Step consistency: two states the observer cannot tell apart stay indistinguishable after the same step.
    /// </summary>
    public static Obligation StepConsistency<TState>(TState s1, TState s2, Func<TState, StepOutcome<TState>> step,
        Func<TState, Bool> invariant, Func<TState, TState, IEnumerable<(string Part, Bool Same)>> equivalent)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(invariant);
        ArgumentNullException.ThrowIfNull(equivalent);
        var before = invariant(s1) & invariant(s2) & All(equivalent(s1, s2));
        var goals = new List<Goal>();
        var first = step(s1);
        var second = step(s2);
        foreach (var (g1, f1) in first.Finals)
        {
            foreach (var (g2, f2) in second.Finals)
            {
                goals.AddRange(equivalent(f1, f2).Select(p => new Goal(p.Part, (g1 & g2).Implies(p.Same))));
            }
        }
        return new Obligation("step consistency", before, goals);
    }

    /// <summary>
    /// Weak step consistency: if the observer sees the same state and the acting domain sees the same state, the
    /// observer still sees the same after the step.
    /// </summary>
    public static Obligation WeakStepConsistency<TState>(TState s1, TState s2, Func<TState, StepOutcome<TState>> step,
        Func<TState, Bool> invariant, Func<TState, TState, Bool> actorEquivalent,
        Func<TState, TState, IEnumerable<(string Part, Bool Same)>> observerEquivalent)
    {
        ArgumentNullException.ThrowIfNull(actorEquivalent);
        var obligation = StepConsistency(s1, s2, step, invariant, observerEquivalent);
        return obligation with { Kind = "weak step consistency", Assumption = obligation.Assumption & actorEquivalent(s1, s2) };
    }

    /// <summary>Local respect: a step by a domain the observer may not see leaves the observer's view unchanged.</summary>
    public static Obligation LocalRespect<TState>(TState s, Func<TState, StepOutcome<TState>> step,
        Func<TState, Bool> invariant, Func<TState, TState, IEnumerable<(string Part, Bool Same)>> observerEquivalent)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(invariant);
        ArgumentNullException.ThrowIfNull(observerEquivalent);
        var goals = step(s).Finals.SelectMany(f => observerEquivalent(s, f.State)
            .Select(p => new Goal(p.Part, f.Guard.Implies(p.Same)))).ToList();
        return new Obligation("local respect", invariant(s), goals);
    }

    private static Bool All(IEnumerable<(string Part, Bool Same)> parts) => parts.Aggregate(Bool.True, (all, p) => all & p.Same);
}
