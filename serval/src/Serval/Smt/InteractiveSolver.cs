using System.Diagnostics;
using System.Text;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>
/// A solver process (z3, cvc5, or any solver with an interactive SMT-LIB2 mode) kept warm across queries: each
/// query starts with <c>(reset)</c>, declares, asserts, checks, and reads the model with <c>get-value</c> on the
/// declared constants and function applications. A process that crashes, prints garbage, reports an error or
/// overruns its time is killed and replaced; the query's answer is then unknown with the reason.
/// </summary>
public sealed class InteractiveSolver : ISolver
{
    private static readonly TimeSpan MinimumGrace = TimeSpan.FromSeconds(1);
    private readonly SolverCommand _command;
    private SolverProcess? _process;
    private bool _used;

    /// <summary>A solver started with <paramref name="command"/> (on first use).</summary>
    public InteractiveSolver(SolverCommand command) => _command = command ?? throw new ArgumentNullException(nameof(command));

    /// <inheritdoc />
    public string Name => _command.Name;

    /// <inheritdoc />
    public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertions);
        var stopwatch = Stopwatch.StartNew();
        if (Trivial(assertions) is { } trivial)
        {
            return trivial with { Solver = Name, Elapsed = stopwatch.Elapsed };
        }
        var plan = QueryPlan.Create(assertions);
        if (plan.HasQuantifiers && !_command.AcceptsQuantifiers)
        {
            return SolverResult.Unknown($"{Name} does not accept quantifiers", Name, stopwatch.Elapsed);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return SolverResult.Unknown("cancelled", Name, stopwatch.Elapsed);
        }
        SolverProcess process;
        try
        {
            process = EnsureProcess();
        }
        catch (SolverStartException e)
        {
            return SolverResult.Unknown(e.Message, Name, stopwatch.Elapsed);
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit + (limit / 2 > MinimumGrace ? limit / 2 : MinimumGrace));
        }
        using var registration = deadline.Token.Register(process.Kill);
        try
        {
            var result = Run(process, plan, timeout);
            if (result.Status == SolverStatus.Unknown && result.Reason is { } reason && reason.StartsWith("solver ", StringComparison.Ordinal))
            {
                Replace();
            }
            return result with { Elapsed = stopwatch.Elapsed };
        }
        catch (Exception e) when (e is IOException or FormatException or ObjectDisposedException or InvalidOperationException)
        {
            var why = cancellationToken.IsCancellationRequested ? "cancelled"
                : deadline.IsCancellationRequested ? $"timeout after {timeout!.Value.TotalSeconds:0.###} s (killed)"
                : e is FormatException ? $"solver printed garbage: {e.Message}"
                : $"solver {process.Describe()}";
            Replace();
            return SolverResult.Unknown(why, Name, stopwatch.Elapsed);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Answers queries whose assertions are all constants without a solver.</summary>
    internal static SolverResult? Trivial(IReadOnlyList<Term> assertions)
    {
        if (assertions.Any(a => a.IsFalse))
        {
            return new SolverResult(SolverStatus.Unsat, null, null, "", TimeSpan.Zero);
        }
        return assertions.All(a => a.IsTrue) ? new SolverResult(SolverStatus.Sat, new Model(new Dictionary<Term, Term>()), null, "", TimeSpan.Zero) : null;
    }

    private SolverResult Run(SolverProcess process, QueryPlan plan, TimeSpan? timeout)
    {
        var script = new StringBuilder();
        if (_used)
        {
            script.AppendLine("(reset)");
        }
        _used = true;
        script.AppendLine("(set-option :produce-models true)");
        if (timeout is { } limit && _command.TimeoutOption is { } option)
        {
            script.Append("(set-option ").Append(option).Append(' ').Append(Math.Max(1, (long)limit.TotalMilliseconds)).AppendLine(")");
        }
        script.Append("(set-logic ").Append(plan.Logic(_command.Dialect)).AppendLine(")");
        SmtWriter.WriteBody(script, plan, _command.Dialect);
        script.AppendLine("(check-sat)");
        process.Input.Write(script.ToString());
        process.Input.Flush();
        var reader = new SExprReader(process.Output);
        var answer = ReadResponse(reader, process);
        if (answer.Is("unsat"))
        {
            return new SolverResult(SolverStatus.Unsat, null, null, Name, TimeSpan.Zero);
        }
        if (answer.Is("unknown"))
        {
            return SolverResult.Unknown(ReasonUnknown(process, reader), Name, TimeSpan.Zero);
        }
        if (!answer.Is("sat"))
        {
            return SolverResult.Unknown(Describe(answer), Name, TimeSpan.Zero);
        }
        return ReadModel(process, reader, plan);
    }

    private SolverResult ReadModel(SolverProcess process, SExprReader reader, QueryPlan plan)
    {
        var variables = new Dictionary<Term, Term>();
        if (plan.Variables.Count == 0 && plan.Applications.Count == 0)
        {
            return new SolverResult(SolverStatus.Sat, new Model(variables), null, Name, TimeSpan.Zero);
        }
        var request = new StringBuilder("(get-value (");
        foreach (var variable in plan.Variables)
        {
            request.Append(SmtWriter.Symbol(variable)).Append(' ');
        }
        foreach (var application in plan.Applications)
        {
            SmtWriter.WriteTerm(request, plan, _command.Dialect, application);
            request.Append(' ');
        }
        request.Length--;
        request.AppendLine("))");
        process.Input.Write(request.ToString());
        process.Input.Flush();
        var values = ReadResponse(reader, process);
        var expected = plan.Variables.Count + plan.Applications.Count;
        if (!values.IsList || values.Count != expected || values.Items.Any(pair => !pair.IsList || pair.Count != 2))
        {
            return SolverResult.Unknown($"sat, but the model could not be read: {Describe(values)}", Name, TimeSpan.Zero);
        }
        for (var i = 0; i < plan.Variables.Count; i++)
        {
            variables[plan.Variables[i]] = SolverValues.Parse(values[i][1], plan.Variables[i].Sort);
        }
        var offset = plan.Variables.Count;
        var applicationValues = new Dictionary<Term, Term>();
        for (var i = 0; i < plan.Applications.Count; i++)
        {
            applicationValues[plan.Applications[i]] = SolverValues.Parse(values[offset + i][1], plan.Applications[i].Sort);
        }
        var model = SolverValues.Build(plan, variables, (application, _) => applicationValues[application]);
        return new SolverResult(SolverStatus.Sat, model, null, Name, TimeSpan.Zero);
    }

    private static string ReasonUnknown(SolverProcess process, SExprReader reader)
    {
        process.Input.WriteLine("(get-info :reason-unknown)");
        process.Input.Flush();
        var info = ReadResponse(reader, process);
        var reason = info.IsList && info.Count == 2 ? info[1].Atom : null;
        return string.IsNullOrEmpty(reason) ? "the solver answered unknown" : $"the solver answered unknown: {reason}";
    }

    private static SExpr ReadResponse(SExprReader reader, SolverProcess process)
    {
        // Some solvers answer an option they do not know with a bare "unsupported"; it is not the answer.
        while (true)
        {
            var response = reader.Read() ?? throw new IOException(process.Describe());
            if (!response.Is("unsupported") && !response.Is("success"))
            {
                return response;
            }
        }
    }

    private static string Describe(SExpr response) =>
        response.IsList && response.Count == 2 && response[0].Is("error")
            ? $"solver error: {response[1].Atom}"
            : $"solver printed unexpected output: {Truncate(response.ToString())}";

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private SolverProcess EnsureProcess()
    {
        if (_process is null || _process.HasExited)
        {
            _process?.Dispose();
            _process = SolverProcess.Start(_command, []);
            _used = false;
        }
        return _process;
    }

    // The old process is gone or untrustworthy; start its replacement now so the next query finds it warm.
    private void Replace()
    {
        _process?.Dispose();
        _process = null;
        try
        {
            EnsureProcess();
        }
        catch (SolverStartException)
        {
            _process = null;
        }
    }
}
