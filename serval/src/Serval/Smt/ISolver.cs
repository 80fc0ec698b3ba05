using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>A solver's answer to a satisfiability query.</summary>
public enum SolverStatus
{
    /// <summary>No definite answer: timeout, crash, garbage, unsupported input, cancellation.</summary>
    Unknown,
    /// <summary>The assertions are satisfiable; a model is attached.</summary>
    Sat,
    /// <summary>The assertions are unsatisfiable.</summary>
    Unsat,
}

/// <summary>The result of <see cref="ISolver.Check"/>.</summary>
/// <param name="Status">Sat, unsat or unknown.</param>
/// <param name="Model">The model when <see cref="SolverStatus.Sat"/>.</param>
/// <param name="Reason">Why the answer is unknown (the solver's reason, a timeout, a crash), else null.</param>
/// <param name="Solver">The solver that answered.</param>
/// <param name="Elapsed">Wall time of the query.</param>
public sealed record SolverResult(SolverStatus Status, Model? Model, string? Reason, string Solver, TimeSpan Elapsed)
{
    /// <summary>An unknown answer with its reason.</summary>
    public static SolverResult Unknown(string reason, string solver, TimeSpan elapsed) => new(SolverStatus.Unknown, null, reason, solver, elapsed);

    /// <inheritdoc />
    public override string ToString() => Status switch
    {
        SolverStatus.Sat => "sat",
        SolverStatus.Unsat => "unsat",
        _ => $"unknown ({Reason})",
    };
}

/// <summary>
/// A satisfiability checker for conjunctions of boolean terms. Implementations are not thread-safe: one per worker.
/// </summary>
public interface ISolver : IDisposable
{
    /// <summary>A short name: z3, cvc5, boolector, portfolio.</summary>
    string Name { get; }

    /// <summary>
    /// Decides whether <paramref name="assertions"/> hold together. Never throws for solver failures: a timeout,
    /// a crash, garbage output or an unsupported query give <see cref="SolverStatus.Unknown"/> with the reason.
    /// </summary>
    /// <param name="assertions">Boolean terms, all of which must hold.</param>
    /// <param name="timeout">Give up after this long (null: no limit).</param>
    /// <param name="cancellationToken">Cancels the query; the answer is then unknown.</param>
    SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
