using Serval.Symbolic;

namespace Serval.Spec;

/// <summary>One part of an obligation: a claim with a description to report when a counterexample falsifies it.</summary>
/// <param name="Description">What the claim says, in words.</param>
/// <param name="Holds">The claim.</param>
/// <param name="Pc">The instruction it concerns, for undefined behaviour.</param>
public sealed record Goal(string Description, Bool Holds, ulong? Pc = null);

/// <summary>A proof obligation: under <paramref name="Assumption"/>, every goal holds.</summary>
/// <param name="Kind">The kind of check (no undefined behaviour, invariant, refinement, step consistency, …).</param>
/// <param name="Assumption">What the check may assume (representation invariants, equivalences).</param>
/// <param name="Goals">What must hold.</param>
public sealed record Obligation(string Kind, Bool Assumption, IReadOnlyList<Goal> Goals)
{
    /// <summary>The whole claim: the assumption implies every goal.</summary>
    public Bool Claim => Assumption.Implies(Goals.Aggregate(Bool.True, (all, g) => all & g.Holds));
}

/// <summary>The paths an implementation step ends in and the undefined behaviours it may reach.</summary>
/// <typeparam name="TState">The implementation's state type.</typeparam>
/// <param name="Finals">Each path's guard and final state.</param>
/// <param name="Bugs">Each undefined behaviour: when it happens, what it is, where.</param>
public sealed record StepOutcome<TState>(IReadOnlyList<(Bool Guard, TState State)> Finals, IReadOnlyList<Goal> Bugs);
