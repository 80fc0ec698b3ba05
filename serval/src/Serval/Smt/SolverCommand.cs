namespace Serval.Smt;

/// <summary>How to start a solver process and talk to it.</summary>
/// <param name="Name">A short name for reports.</param>
/// <param name="FileName">The executable (looked up on PATH).</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="Dialect">What its SMT-LIB2 reader accepts.</param>
/// <param name="TimeoutOption">
/// The <c>set-option</c> keyword taking a per-query limit in milliseconds (<c>:timeout</c> for z3,
/// <c>:tlimit-per</c> for cvc5), or null when the solver has none (the process is then killed at the limit).
/// </param>
/// <param name="AcceptsQuantifiers">Whether it decides quantified bitvector formulas.</param>
public sealed record SolverCommand(string Name, string FileName, IReadOnlyList<string> Arguments, SmtDialect Dialect,
    string? TimeoutOption, bool AcceptsQuantifiers = true)
{
    /// <summary>z3 reading SMT-LIB2 commands interactively from standard input.</summary>
    public static SolverCommand Z3 { get; } = new("z3", "z3", ["-smt2", "-in"], SmtDialect.Standard, ":timeout");

    /// <summary>cvc5 in incremental mode, reading from standard input.</summary>
    public static SolverCommand Cvc5 { get; } = new("cvc5", "cvc5", ["--lang", "smt2", "--incremental"], SmtDialect.Standard, ":tlimit-per");

    /// <summary>Boolector 1.5 (Debian): one process per query, model printed with <c>-m</c>.</summary>
    public static SolverCommand Boolector { get; } = new("boolector", "boolector", ["--smt2", "-m"], SmtDialect.Boolector, null, AcceptsQuantifiers: false);
}
