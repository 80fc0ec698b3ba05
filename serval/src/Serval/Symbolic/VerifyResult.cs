using Serval.Smt;

namespace Serval.Symbolic;

/// <summary>The outcome of <see cref="Sym.Verify(Action, VerifyOptions?, CancellationToken)"/>.</summary>
public enum VerifyOutcome
{
    /// <summary>The solver gave no answer (timeout, crash, unsupported query): nothing is proved.</summary>
    Unknown,
    /// <summary>Every assertion holds on every path that satisfies the assumptions.</summary>
    Proved,
    /// <summary>Some assertion fails; <see cref="VerifyResult.Model"/> shows how.</summary>
    Counterexample,
}

/// <summary>The result of a verification query.</summary>
/// <param name="Outcome">Proved, counterexample or unknown.</param>
/// <param name="Model">The counterexample (evaluate any term in it), when there is one.</param>
/// <param name="Violated">The assertions the counterexample falsifies.</param>
/// <param name="Reason">Why the outcome is unknown.</param>
/// <param name="Solver">The solver's answer in full.</param>
public sealed record VerifyResult(VerifyOutcome Outcome, Model? Model, IReadOnlyList<Assertion> Violated, string? Reason, SolverResult? Solver)
{
    /// <summary>Whether the claim was proved.</summary>
    public bool IsProved => Outcome == VerifyOutcome.Proved;

    /// <inheritdoc />
    public override string ToString() => Outcome switch
    {
        VerifyOutcome.Proved => "proved",
        VerifyOutcome.Counterexample => "counterexample: " + string.Join("; ", Violated) + Environment.NewLine + Model,
        _ => $"unknown ({Reason})",
    };
}

/// <summary>How a verification or solving query runs.</summary>
public sealed record VerifyOptions
{
    /// <summary>The solver (null: the calling thread's warm z3 from <see cref="SolverPool.Default"/>).</summary>
    public ISolver? Solver { get; init; }

    /// <summary>Give up after this long (null: no limit).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When set, the query is also written to this file as a reproducing SMT-LIB2 script.</summary>
    public string? DumpPath { get; init; }
}
