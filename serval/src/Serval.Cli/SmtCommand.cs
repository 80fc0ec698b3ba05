using System.CommandLine;
using Serval.Smt;
using Systems.Cli;

namespace Serval.Cli;

/// <summary>
/// <c>serval smt FILE.smt2</c>: reads an SMT-LIB2 script into Serval's terms and answers its <c>check-sat</c>
/// commands with a solver back end. Exit 0 when every check was answered, 3 when one was unknown, 2 when the file
/// cannot be read.
/// </summary>
internal static class SmtCommand
{
    public static Command Create()
    {
        var command = new Command("smt", "Solve an SMT-LIB2 file (QF_BV, QF_UFBV, quantified BV) through Serval's terms and a solver.");
        var file = new Argument<string>("file") { Description = "The .smt2 file." };
        var solver = new Option<string>("--solver") { Description = "z3 (default), cvc5, boolector or portfolio.", DefaultValueFactory = _ => "z3" };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds per check-sat." };
        var dump = new Option<string?>("--dump") { Description = "Also write each check-sat's query, as sent to z3/cvc5, to FILE-N.smt2." };
        command.Arguments.Add(file);
        command.Options.Add(solver);
        command.Options.Add(timeout);
        command.Options.Add(dump);
        command.SetAction((parse, token) => Task.Run(() =>
        {
            var path = parse.GetValue(file)!;
            var solverName = parse.GetValue(solver)!;
            if (!SolverPool.Names.Contains(solverName))
            {
                throw new UsageException($"unknown solver '{solverName}'; use {string.Join(", ", SolverPool.Names)}");
            }
            var seconds = parse.GetValue(timeout);
            if (seconds is <= 0)
            {
                throw new UsageException("--timeout must be a positive number of seconds");
            }
            if (Directory.Exists(path))
            {
                throw new UsageException($"cannot read {path}: it is a directory, not an .smt2 file");
            }
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read {path}: {e.Message}", e);
            }
            var output = parse.InvocationConfiguration.Output;
            using var backend = SolverPool.Create(solverName);
            var dumpPrefix = parse.GetValue(dump);
            using var recorder = dumpPrefix is null ? null : new DumpingSolver(backend, dumpPrefix);
            try
            {
                var script = SmtScript.Parse(text);
                script.Run(recorder ?? backend, output, seconds is { } s ? TimeSpan.FromSeconds(s) : null, token);
                foreach (var unknown in script.Answers.Where(a => a.Status == SolverStatus.Unknown))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"serval: {unknown.Solver}: {unknown.Reason}");
                }
                return script.Answers.Any(a => a.Status == SolverStatus.Unknown) ? ExitCode.NoAnswer : ExitCode.Success;
            }
            catch (SmtScriptException e)
            {
                throw new UsageException($"{path}: {e.Message}", e);
            }
        }, token));
        return command;
    }

    /// <summary>Writes every query to a numbered .smt2 file before passing it on.</summary>
    private sealed class DumpingSolver(ISolver inner, string prefix) : ISolver
    {
        private int _count;

        public string Name => inner.Name;

        public SolverResult Check(IReadOnlyList<Symbolic.Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            File.WriteAllText($"{prefix}-{++_count}.smt2", SmtWriter.Script(assertions, SmtDialect.Standard));
            return inner.Check(assertions, timeout, cancellationToken);
        }

        public void Dispose()
        {
        }
    }
}
