namespace Serval.Symbolic;

/// <summary>
/// The assumptions and assertions recorded while evaluating some code, each guarded by the path condition under
/// which it was made. <see cref="Sym.WithVc(Action)"/> returns them for one scope.
/// </summary>
public sealed class VerificationConditions
{
    private readonly List<Bool> _assumptions = [];
    private readonly List<Assertion> _assertions = [];

    /// <summary>The recorded assumptions (each <c>pc ⇒ φ</c>).</summary>
    public IReadOnlyList<Bool> Assumptions => _assumptions;

    /// <summary>The recorded assertions.</summary>
    public IReadOnlyList<Assertion> Assertions => _assertions;

    /// <summary>The conjunction of the assumptions.</summary>
    public Bool Assumed => _assumptions.Aggregate(Bool.True, (all, a) => all & a);

    /// <summary>The conjunction of the assertions.</summary>
    public Bool Asserted => _assertions.Aggregate(Bool.True, (all, a) => all & a.Condition);

    internal void AddAssumption(Bool assumption)
    {
        if (!assumption.IsTrue)
        {
            _assumptions.Add(assumption);
        }
    }

    internal void AddAssertion(Assertion assertion)
    {
        if (!assertion.Condition.IsTrue)
        {
            _assertions.Add(assertion);
        }
    }

    internal void AddAll(VerificationConditions other)
    {
        _assumptions.AddRange(other._assumptions);
        _assertions.AddRange(other._assertions);
    }
}

/// <summary>
/// Thrown when the current path cannot continue: an assertion is false or an assumption is false on it. A branch
/// of <see cref="Sym.If{T}(Bool, Func{T}, Func{T}, string, string, int)"/> that throws it is dropped (its failure
/// already sits in the verification conditions); elsewhere it ends the evaluation.
/// </summary>
public sealed class PathFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PathFailedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public PathFailedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public PathFailedException() : base("The path failed.")
    {
    }
}
