using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>
/// A solver started once per query with the whole script on standard input and its model printed in the
/// <c>name value</c> / <c>array[index] value</c> form of Boolector's <c>-m</c> (binary digits; <c>x</c> for don't
/// care). Used for Debian's boolector 1.5, which has no interactive mode and no <c>get-value</c>.
/// </summary>
public sealed class OneShotSolver : ISolver
{
    private readonly SolverCommand _command;

    /// <summary>A solver run as <paramref name="command"/> for each query.</summary>
    public OneShotSolver(SolverCommand command) => _command = command ?? throw new ArgumentNullException(nameof(command));

    /// <inheritdoc />
    public string Name => _command.Name;

    /// <inheritdoc />
    public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertions);
        var stopwatch = Stopwatch.StartNew();
        if (InteractiveSolver.Trivial(assertions) is { } trivial)
        {
            return trivial with { Solver = Name, Elapsed = stopwatch.Elapsed };
        }
        var plan = QueryPlan.Create(assertions);
        if (plan.HasQuantifiers && !_command.AcceptsQuantifiers)
        {
            return SolverResult.Unknown($"{Name} does not accept quantifiers", Name, stopwatch.Elapsed);
        }
        var script = new StringBuilder();
        script.Append("(set-logic ").Append(plan.Logic(_command.Dialect)).AppendLine(")");
        SmtWriter.WriteBody(script, plan, _command.Dialect);
        script.AppendLine("(check-sat)").AppendLine("(exit)");
        var extra = timeout is { } limit ? new[] { "-t", Math.Max(1, (int)Math.Ceiling(limit.TotalSeconds)).ToString(CultureInfo.InvariantCulture) } : [];
        SolverProcess process;
        try
        {
            process = SolverProcess.Start(_command, extra);
        }
        catch (SolverStartException e)
        {
            return SolverResult.Unknown(e.Message, Name, stopwatch.Elapsed);
        }
        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout is { } hard)
            {
                deadline.CancelAfter(hard + TimeSpan.FromSeconds(1));
            }
            using var registration = deadline.Token.Register(process.Kill);
            try
            {
                process.Input.Write(script.ToString());
                process.Input.Close();
                var output = process.Output.ReadToEnd();
                if (deadline.IsCancellationRequested)
                {
                    var why = cancellationToken.IsCancellationRequested ? "cancelled" : $"timeout after {timeout!.Value.TotalSeconds:0.###} s (killed)";
                    return SolverResult.Unknown(why, Name, stopwatch.Elapsed);
                }
                return Interpret(output, plan, process) with { Elapsed = stopwatch.Elapsed };
            }
            catch (IOException e)
            {
                var why = deadline.IsCancellationRequested ? "cancelled or timed out" : $"solver pipe failed: {e.Message}; {process.Describe()}";
                return SolverResult.Unknown(why, Name, stopwatch.Elapsed);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private SolverResult Interpret(string output, QueryPlan plan, SolverProcess process)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('[')).ToList();
        var answer = lines.FirstOrDefault();
        switch (answer)
        {
            case "unsat":
                return new SolverResult(SolverStatus.Unsat, null, null, Name, TimeSpan.Zero);
            case "unknown":
                return SolverResult.Unknown("the solver answered unknown", Name, TimeSpan.Zero);
            case "sat":
                break;
            case null:
                return SolverResult.Unknown($"solver printed no answer; {process.Describe()}", Name, TimeSpan.Zero);
            default:
                return SolverResult.Unknown($"solver printed unexpected output: {answer}; {process.Describe()}", Name, TimeSpan.Zero);
        }
        try
        {
            return new SolverResult(SolverStatus.Sat, ReadModel(lines.Skip(1), plan), null, Name, TimeSpan.Zero);
        }
        catch (FormatException e)
        {
            return SolverResult.Unknown($"sat, but the model could not be read: {e.Message}", Name, TimeSpan.Zero);
        }
    }

    private static Model ReadModel(IEnumerable<string> lines, QueryPlan plan)
    {
        var variablesByName = plan.Variables.ToDictionary(v => Unquote(SmtWriter.Symbol(v)), StringComparer.Ordinal);
        var functionsByName = plan.Functions.ToDictionary(f => Unquote(SmtWriter.Symbol(f)), StringComparer.Ordinal);
        var variables = new Dictionary<Term, Term>();
        var tables = new Dictionary<Function, Dictionary<BigInteger, BigInteger>>();
        foreach (var line in lines)
        {
            var space = line.LastIndexOf(' ');
            if (space <= 0)
            {
                throw new FormatException($"unexpected model line '{line}'");
            }
            var (name, bits) = (Unquote(line[..space].Trim()), SolverValues.Binary(line.AsSpan(space + 1)));
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            if (bracket > 0 && name.EndsWith(']') && functionsByName.TryGetValue(Unquote(name[..bracket]), out var function))
            {
                if (!tables.TryGetValue(function, out var table))
                {
                    tables[function] = table = [];
                }
                table[SolverValues.Binary(name.AsSpan(bracket + 1, name.Length - bracket - 2))] = bits;
            }
            else if (variablesByName.TryGetValue(name, out var variable))
            {
                variables[variable] = variable.Sort.IsBool ? Term.BoolConst(!bits.IsZero) : Term.BvConst(bits, variable.Width);
            }
        }
        return SolverValues.Build(plan, variables, (application, args) =>
        {
            if (!tables.TryGetValue(application.Function!, out var table) || args.Any(a => !a.IsConst))
            {
                return null;
            }
            var index = BigInteger.Zero;
            foreach (var arg in args)
            {
                index = (index << Math.Max(1, arg.Width)) | arg.Value;
            }
            if (!table.TryGetValue(index, out var value))
            {
                return null;
            }
            return application.Sort.IsBool ? Term.BoolConst(!value.IsZero) : Term.BvConst(value, application.Width);
        });
    }

    private static string Unquote(string symbol) => symbol.Length >= 2 && symbol[0] == '|' && symbol[^1] == '|' ? symbol[1..^1] : symbol;
}
