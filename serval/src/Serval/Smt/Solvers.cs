namespace Serval.Smt;

/// <summary>Creates the solver back ends by name and keeps a warm default solver per thread.</summary>
public static class SolverPool
{
    [ThreadStatic]
    private static ISolver? _default;

    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["z3", "cvc5", "boolector", "portfolio"];

    /// <summary>The calling thread's warm z3 process (started on first use, replaced when it misbehaves).</summary>
    public static ISolver Default => _default ??= Create("z3");

    /// <summary>A new solver: <c>z3</c>, <c>cvc5</c>, <c>boolector</c>, or <c>portfolio</c> (all three racing).</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static ISolver Create(string name) => name switch
    {
        "z3" => new InteractiveSolver(SolverCommand.Z3),
        "cvc5" => new InteractiveSolver(SolverCommand.Cvc5),
        "boolector" => new OneShotSolver(SolverCommand.Boolector),
        "portfolio" => new PortfolioSolver([Create("z3"), Create("cvc5"), Create("boolector")]),
        _ => throw new ArgumentException($"Unknown solver '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };
}
